"""The shared write path of named, slugged entities (value streams, teams, services,
environments, groups): read the name and slug, validate with the model's own rules, save, audit,
and turn the (organization, slug) uniqueness into a 409 naming the slug. And the one delete of
any audited row: delete, audit as `<model>.deleted`, and turn a row still referenced through a
PROTECT or RESTRICT foreign key into a 409 naming what refers to it."""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.text import slugify

from vsm.audit.services import audit_record, snapshot
from vsm.errors import Conflict, InvalidInput
from vsm.tenancy.actor import Actor


def name_and_slug(name: str | None, slug: str | None) -> tuple[str, str]:
    """The name as typed (trimmed, required) and the slug given, else made from the name."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "A name is required.")
    slug = slug or slugify(name)[:60]
    if not slug:
        raise InvalidInput.field("slug", "A slug is required (letters, digits, hyphens).")
    return name, slug


def validate_entity(instance: models.Model) -> None:
    """The model's field rules (lengths, slug and URL formats, related rows of this organization),
    raised as InvalidInput so pages and the API name the fields alike."""
    try:
        instance.full_clean(exclude=["organization"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        fields = exc.message_dict
        first_field, first_messages = next(iter(fields.items()))
        raise InvalidInput(f"{first_field}: {first_messages[0]}", fields=fields) from exc


def save_entity(instance: models.Model, *, actor: Actor, action: str, before: dict | None) -> models.Model:
    """Validate, save and audit as `<model>.<action>`; a taken slug is a Conflict."""
    validate_entity(instance)
    try:
        with transaction.atomic():
            instance.save()
            audit_record(actor=actor, action=f"{instance._meta.model_name}.{action}", instance=instance,
                         before=before, after=snapshot(instance))
    except IntegrityError as exc:
        # The (organization, slug) constraint is the only one a caller can collide with.
        slug = getattr(instance, "slug", "")
        raise Conflict(
            f"Another {instance._meta.verbose_name} already has the slug '{slug}'.",
            fields={"slug": [f"'{slug}' is taken"]}, conflicts_with=[slug],
        ) from exc
    return instance


def referenced_conflict(error: ProtectedError | RestrictedError, instance: models.Model | None = None) -> Conflict:
    """A refused delete as a Conflict naming what still refers to the row, e.g. "service
    'payments' is referenced by 12 deployments"; ``details.referenced_by`` counts them by kind."""
    rows = error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
    counts = Counter(row._meta for row in rows)
    referenced_by = {
        str(meta.verbose_name if count == 1 else meta.verbose_name_plural): count
        for meta, count in sorted(counts.items(), key=lambda item: (-item[1], item[0].label))}
    what = (f"{instance._meta.verbose_name} '{instance}'" if instance is not None else "This")
    listed = " and ".join(f"{count} {name}" for name, count in referenced_by.items())
    return Conflict(f"{what} is referenced by {listed}; it cannot be deleted while they refer to it.",
                    referenced_by=referenced_by)


def delete_entity(instance: models.Model, *, actor: Actor, message: str = "") -> None:
    """Audit as `<model>.deleted` and delete, in one transaction; a row other rows still refer
    to (PROTECT, RESTRICT) is a Conflict naming them, and nothing is deleted."""
    try:
        with transaction.atomic():
            audit_record(actor=actor, action=f"{instance._meta.model_name}.deleted", instance=instance,
                         before=snapshot(instance), message=message)
            instance.delete()
    except (ProtectedError, RestrictedError) as exc:
        raise referenced_conflict(exc, instance) from exc
