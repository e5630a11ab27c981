"""What the releases services share: permission checks, model validation as field errors."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from vsm.accounts.models import User
from vsm.errors import InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import require_org_id
from vsm.tenancy.models import Membership, Organization
from vsm.tenancy.roles import Perm

UNSET: Any = object()


def require(actor: Actor, perm: Perm) -> None:
    if not actor.has(perm):
        raise PermissionRefused(f"Your role may not do this ({perm.value.replace('_', ' ')}).")


def validate(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """The model's own field rules (lengths, choices), raised as InvalidInput naming the fields."""
    try:
        instance.full_clean(exclude=["organization", *(exclude or [])], validate_unique=False,
                            validate_constraints=False)
    except ValidationError as exc:
        fields = exc.message_dict
        first_field, first_messages = next(iter(fields.items()))
        raise InvalidInput(f"{first_field}: {first_messages[0]}", fields=fields) from exc


def require_text(name: str, value: str | None, *, max_length: int) -> str:
    if value is not None and not isinstance(value, str):  # from a JSON object: any type may come
        raise InvalidInput.field(name, "Give text.")
    value = (value or "").strip()
    if not value:
        raise InvalidInput.field(name, "This field is required.")
    if len(value) > max_length:
        raise InvalidInput.field(name, f"Keep it to {max_length} characters.")
    return value


def require_member(name: str, user: User | None) -> None:
    if user is not None and not Membership.objects.filter(user=user).exists():
        raise InvalidInput.field(name, f"{user.email} is not a member of this organization.")


def organization_time_zone() -> str:
    return Organization.objects.filter(pk=require_org_id()).values_list("time_zone", flat=True).first() or "UTC"


def prefixed(error: InvalidInput, prefix: str) -> InvalidInput:
    """The same refusal with its field names under `prefix` (e.g. `phases[1].`)."""
    return InvalidInput(error.message, fields={f"{prefix}{name}": messages for name, messages in error.fields.items()},
                        **error.details)
