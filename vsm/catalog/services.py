"""Writes to the catalog. Every function checks the actor's role, validates, writes inside a
transaction and records an audit event."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models.functions import Lower

from vsm.accounts.models import User
from vsm.audit.services import audit_record, snapshot
from vsm.catalog.models import Service, Team, TeamMember, ValueStream
from vsm.entities import delete_entity, name_and_slug, save_entity
from vsm.errors import DomainError, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.models import Membership
from vsm.tenancy.roles import Perm

_UNSET = object()


def _require(actor: Actor) -> None:
    if not actor.has(Perm.MANAGE_CATALOG):
        raise PermissionRefused("Your role may not change the catalog.")


def _create(model: type[models.Model], *, actor: Actor, name: str, slug: str | None, **fields) -> models.Model:
    _require(actor)
    name, slug = name_and_slug(name, slug)
    return save_entity(model(name=name, slug=slug, **fields), actor=actor, action="created", before=None)


def _update(instance: models.Model, *, actor: Actor, changes: dict) -> models.Model:
    _require(actor)
    before = snapshot(instance)
    for field, value in changes.items():
        if value is not _UNSET:
            setattr(instance, field, value)
    if snapshot(instance) == before:
        return instance  # nothing changed: nothing to write, nothing to audit
    try:
        return save_entity(instance, actor=actor, action="updated", before=before)
    except DomainError:
        instance.refresh_from_db()  # the caller keeps the stored state, not the refused one
        raise


def _delete(instance: models.Model, *, actor: Actor, message: str = "") -> None:
    _require(actor)
    delete_entity(instance, actor=actor, message=message)


def _orphaned_services_message(services: models.QuerySet[Service], what: str) -> str:
    # The foreign keys are SET_NULL: say in the trail which services lost their link.
    slugs = sorted(services.values_list("slug", flat=True))
    return f"services left without a {what}: {', '.join(slugs)}" if slugs else ""


def value_stream_create(*, actor: Actor, name: str, slug: str | None = None, description: str = "") -> ValueStream:
    return _create(ValueStream, actor=actor, name=name, slug=slug, description=description)


def value_stream_update(*, actor: Actor, value_stream: ValueStream, name=_UNSET, slug=_UNSET,
                        description=_UNSET) -> ValueStream:
    return _update(value_stream, actor=actor, changes={"name": name, "slug": slug, "description": description})


def value_stream_delete(*, actor: Actor, value_stream: ValueStream) -> None:
    _delete(value_stream, actor=actor,
            message=_orphaned_services_message(value_stream.services.all(), "value stream"))


def team_create(*, actor: Actor, name: str, slug: str | None = None, description: str = "",
                members: list[str] | None = None, managers: list[str] | None = None) -> Team:
    """`members` and `managers` are email addresses of the organization's members."""
    with transaction.atomic():
        team = _create(Team, actor=actor, name=name, slug=slug, description=description)
        if members or managers:
            team_set_member_emails(actor=actor, team=team, members=members or [], managers=managers or [])
    return team


def team_update(*, actor: Actor, team: Team, name=_UNSET, slug=_UNSET, description=_UNSET,
                members=_UNSET, managers=_UNSET) -> Team:
    """Omitted `members` keep the current members; omitted `managers` keep the current managers
    who are still members."""
    with transaction.atomic():
        team = _update(team, actor=actor, changes={"name": name, "slug": slug, "description": description})
        if members is not _UNSET or managers is not _UNSET:
            current = list(team.memberships.select_related("user"))
            if members is _UNSET:
                members = [m.user.email for m in current]
            if managers is _UNSET:
                kept = {e.strip().lower() for e in members}
                managers = [m.user.email for m in current if m.is_manager and m.user.email.lower() in kept]
            team_set_member_emails(actor=actor, team=team, members=members, managers=managers)
    return team


def team_delete(*, actor: Actor, team: Team) -> None:
    _delete(team, actor=actor, message=_orphaned_services_message(team.services.all(), "team"))


def _emails(users) -> list[str]:
    return sorted(u.email for u in users)


def team_set_members(*, actor: Actor, team: Team, users: list[User], managers: list[User] | None = None) -> Team:
    """Replace the team's members; `managers` (a subset) approve the team's environments."""
    _require(actor)
    users = list({u.pk: u for u in users}.values())
    managers = list({u.pk: u for u in managers or []}.values())
    member_ids = set(Membership.objects.filter(user__in=users).values_list("user_id", flat=True))
    outsiders = [u.email for u in users if u.pk not in member_ids]
    if outsiders:
        raise InvalidInput.field("members", f"Not members of this organization: {', '.join(outsiders)}.")
    user_ids = {u.pk for u in users}
    stray = [u.email for u in managers if u.pk not in user_ids]
    if stray:
        raise InvalidInput.field("managers", f"Managers must also be team members: {', '.join(stray)}.")
    manager_ids = {u.pk for u in managers}
    with transaction.atomic():
        # Two concurrent replacements would both delete, then collide on insert: take turns.
        Team.objects.select_for_update().filter(pk=team.pk).first()
        current = list(team.memberships.select_related("user"))
        before = {"members": _emails(m.user for m in current),
                  "managers": _emails(m.user for m in current if m.is_manager)}
        after = {"members": _emails(users), "managers": _emails(managers)}
        if after == before:
            return team
        team.memberships.all().delete()
        TeamMember.objects.bulk_create(
            [TeamMember(organization_id=team.organization_id, team=team, user=u, is_manager=u.pk in manager_ids)
             for u in users]
        )
        audit_record(actor=actor, action="team.members_changed", instance=team, before=before, after=after)
    return team


def _members_by_email(emails: list[str], field: str) -> list[User]:
    wanted = {e.strip().lower() for e in emails}
    members = Membership.objects.select_related("user").annotate(email=Lower("user__email"))
    found = {m.email: m.user for m in members.filter(email__in=wanted)}
    unknown = sorted(wanted - set(found))
    if unknown:
        raise InvalidInput.field(field, f"Not members of this organization: {', '.join(unknown)}.")
    return list(found.values())


def team_set_member_emails(*, actor: Actor, team: Team, members: list[str], managers: list[str] | None = None
                           ) -> Team:
    """team_set_members for callers that name people by email (the API, the team page)."""
    _require(actor)
    return team_set_members(actor=actor, team=team, users=_members_by_email(members, "members"),
                            managers=_members_by_email(managers or [], "managers"))


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
