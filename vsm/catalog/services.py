"""Writes to the catalog. Every function checks the actor's role, validates, writes inside a
transaction and records an audit event."""

from __future__ import annotations

from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

from vsm.accounts.models import User
from vsm.audit.services import audit_record, snapshot
from vsm.catalog.models import Service, Team, TeamMember, ValueStream
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.models import Membership
from vsm.tenancy.roles import Perm

_UNSET = object()


def _require(actor: Actor) -> None:
    if not actor.has(Perm.MANAGE_CATALOG):
        raise PermissionRefused("Your role may not change the catalog.")


def _label(model: type[models.Model]) -> str:
    return model._meta.model_name


def _write(instance: models.Model, *, actor: Actor, action: str, before: dict | None) -> models.Model:
    instance.full_clean(exclude=["organization"], validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            instance.save()
            audit_record(actor=actor, action=f"{_label(type(instance))}.{action}", instance=instance,
                         before=before, after=snapshot(instance))
    except IntegrityError as exc:
        slug = getattr(instance, "slug", "")
        raise Conflict(
            f"A {type(instance)._meta.verbose_name} with slug '{slug}' already exists.",
            fields={"slug": [f"'{slug}' is taken"]},
        ) from exc
    return instance


def _create(model: type[models.Model], *, actor: Actor, name: str, slug: str | None, **fields) -> models.Model:
    _require(actor)
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "A name is required.")
    slug = slug or slugify(name)[:60]
    if not slug:
        raise InvalidInput.field("slug", "A slug is required (letters, digits, hyphens).")
    return _write(model(name=name, slug=slug, **fields), actor=actor, action="created", before=None)


def _update(instance: models.Model, *, actor: Actor, changes: dict) -> models.Model:
    _require(actor)
    before = snapshot(instance)
    for field, value in changes.items():
        if value is not _UNSET:
            setattr(instance, field, value)
    return _write(instance, actor=actor, action="updated", before=before)


def _delete(instance: models.Model, *, actor: Actor) -> None:
    _require(actor)
    with transaction.atomic():
        audit_record(actor=actor, action=f"{_label(type(instance))}.deleted", instance=instance,
                     before=snapshot(instance))
        instance.delete()


def value_stream_create(*, actor: Actor, name: str, slug: str | None = None, description: str = "") -> ValueStream:
    return _create(ValueStream, actor=actor, name=name, slug=slug, description=description)


def value_stream_update(*, actor: Actor, value_stream: ValueStream, name=_UNSET, slug=_UNSET,
                        description=_UNSET) -> ValueStream:
    return _update(value_stream, actor=actor, changes={"name": name, "slug": slug, "description": description})


def value_stream_delete(*, actor: Actor, value_stream: ValueStream) -> None:
    _delete(value_stream, actor=actor)


def team_create(*, actor: Actor, name: str, slug: str | None = None, description: str = "") -> Team:
    return _create(Team, actor=actor, name=name, slug=slug, description=description)


def team_update(*, actor: Actor, team: Team, name=_UNSET, slug=_UNSET, description=_UNSET) -> Team:
    return _update(team, actor=actor, changes={"name": name, "slug": slug, "description": description})


def team_delete(*, actor: Actor, team: Team) -> None:
    _delete(team, actor=actor)


def team_set_members(*, actor: Actor, team: Team, users: list[User], managers: list[User] | None = None) -> Team:
    """Replace the team's members; `managers` (a subset) approve the team's environments."""
    _require(actor)
    managers = managers or []
    member_ids = set(Membership.objects.filter(user__in=users).values_list("user_id", flat=True))
    outsiders = [u.email for u in users if u.pk not in member_ids]
    if outsiders:
        raise InvalidInput.field("members", f"Not members of this organization: {', '.join(outsiders)}.")
    manager_ids = {u.pk for u in managers}
    with transaction.atomic():
        before = sorted(team.memberships.values_list("user__email", flat=True))
        team.memberships.all().delete()
        TeamMember.objects.bulk_create(
            [TeamMember(organization_id=team.organization_id, team=team, user=u, is_manager=u.pk in manager_ids)
             for u in users]
        )
        audit_record(actor=actor, action="team.members_changed", instance=team,
                     before={"members": before}, after={"members": sorted(u.email for u in users)})
    return team


def service_create(*, actor: Actor, name: str, slug: str | None = None, repository_url: str = "",
                   value_stream: ValueStream | None = None, team: Team | None = None,
                   description: str = "") -> Service:
    return _create(Service, actor=actor, name=name, slug=slug, repository_url=repository_url,
                   value_stream=value_stream, team=team, description=description)


def service_update(*, actor: Actor, service: Service, name=_UNSET, slug=_UNSET, repository_url=_UNSET,
                   value_stream=_UNSET, team=_UNSET, description=_UNSET) -> Service:
    return _update(service, actor=actor, changes={
        "name": name, "slug": slug, "repository_url": repository_url, "value_stream": value_stream,
        "team": team, "description": description,
    })


def service_delete(*, actor: Actor, service: Service) -> None:
    _delete(service, actor=actor)
