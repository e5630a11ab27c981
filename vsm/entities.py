"""The shared write path of named, slugged entities (value streams, teams, services,
environments, groups): validate with the model's own rules, save, audit, and turn the
(organization, slug) uniqueness into a 409 naming the slug."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from vsm.audit.services import audit_record, snapshot
from vsm.errors import Conflict, InvalidInput
from vsm.tenancy.actor import Actor


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
