from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from psycopg2.extras import Range

from vsm.audit.models import AuditEvent
from vsm.middleware import current_request_id
from vsm.tenancy.actor import Actor

# Never written to the trail, whatever model they sit on.
SECRET_FIELDS = frozenset({"digest", "password", "secret", "webhook_secret", "credentials", "token"})


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The audited state of a row: concrete field values (foreign keys as ids), JSON-safe."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in SECRET_FIELDS or field.attname.endswith("_encrypted"):
            continue
        if fields is not None and field.name not in fields:
            continue
        value = field.value_from_object(instance)
        if isinstance(value, Range):  # PostgreSQL ranges are written as [lower, upper]
            value = [value.lower, value.upper]
        data[field.name if not field.is_relation else field.attname] = value
    # Round-trip through the encoder so dates, decimals and UUIDs compare as they are stored.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def audit_record(
    *,
    actor: Actor,
    action: str,
    instance: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    object_repr: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: str = "",
) -> AuditEvent:
    """Write one event. (A write made by one SQL statement writes its event in that statement:
    vsm/audit/statements.py.)"""
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = instance.pk if object_id is None else object_id
        object_repr = object_repr if object_repr is not None else str(instance)
    return AuditEvent.objects.create(
        actor_user=actor.user,
        actor_token=actor.token,
        actor_label=actor.label[:254],
        action=action,
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id),
        object_repr=(object_repr or "")[:250],
        before=before,
        after=after,
        message=message[:500],
        request_id=current_request_id(),
    )
