"""The audit event of a write made by one SQL statement, written by that same statement.

CI's deployment post writes in one prepared statement (integrations/services/deployment_post.py).
Writing its event separately would cost a second round trip and a transaction around both
(BEGIN and COMMIT: two more); inside the statement, the write and its event commit together on
their own. The event is the one ``audit_record(instance=row, after=snapshot(row))`` writes:
``snapshot_sql`` is ``snapshot()`` computed by PostgreSQL (tests hold the two equal), the actor
and the request id travel as parameters (``event_params``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models

from vsm.audit.models import AuditEvent
from vsm.audit.services import SECRET_FIELDS
from vsm.middleware import current_request_id
from vsm.tenancy.actor import Actor

# How DjangoJSONEncoder writes an aware datetime read from the database (UTC): milliseconds only
# when there is a fraction (truncated, as the encoder cuts the string), "Z" for the offset.
_DATETIME = ("to_char({x} AT TIME ZONE 'UTC', CASE WHEN mod(extract(microseconds FROM {x} AT TIME ZONE 'UTC')"
             "::bigint, 1000000) = 0 THEN 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"' "
             "ELSE 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"' END)")
# Columns whose JSON form PostgreSQL writes as the encoder does (numbers, text, booleans, JSON).
_AS_IS = frozenset({"AutoField", "BigAutoField", "BigIntegerField", "IntegerField", "PositiveIntegerField",
                    "PositiveBigIntegerField", "SmallIntegerField", "PositiveSmallIntegerField", "BooleanField",
                    "CharField", "TextField", "SlugField", "EmailField", "URLField", "JSONField"})
_PAIRS_PER_CALL = 50  # jsonb_build_object takes at most 100 arguments


def _value(field: models.Field, alias: str) -> str:
    column = f'{alias}."{field.column}"'
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return _DATETIME.format(x=column)
    if kind == "DateField":
        return f"to_char({column}, 'YYYY-MM-DD')"
    if field.is_relation or kind in _AS_IS:
        return column
    raise NotImplementedError(f"{field.model.__name__}.{field.name}: no SQL form of its snapshot value ({kind})")


def snapshot_sql(model: type[models.Model], alias: str) -> str:
    """The jsonb of ``snapshot(row)`` for the row of ``model`` named ``alias`` in a statement."""
    pairs = []
    for field in model._meta.concrete_fields:
        if field.name in SECRET_FIELDS or field.attname.endswith("_encrypted"):
            continue
        pairs.append(f"'{field.attname if field.is_relation else field.name}', {_value(field, alias)}")
    calls = [f"jsonb_build_object({', '.join(pairs[i:i + _PAIRS_PER_CALL])})"
             for i in range(0, len(pairs), _PAIRS_PER_CALL)]
    return " || ".join(calls)


def event_insert_sql(*, model: type[models.Model], alias: str, action: str, object_repr: str, source: str) -> str:
    """An INSERT of one event for each row ``source`` (a FROM clause, with its WHERE) yields of
    ``model`` under ``alias``: ``action`` and ``object_repr`` are SQL expressions (the latter the
    model's ``__str__``), the rest comes from ``event_params``. Use it as a CTE of the write."""
    values = {
        "organization_id": "%(audit_org)s::bigint", "occurred_at": "%(audit_at)s::timestamptz",
        "actor_user_id": "%(audit_user)s::bigint", "actor_token_id": "%(audit_token)s::bigint",
        "actor_label": "%(audit_label)s::text", "action": action,
        "object_type": f"'{model._meta.label_lower}'", "object_id": f"{alias}.{model._meta.pk.column}::text",
        "object_repr": f"left({object_repr}, 250)", "before": "NULL",
        "after": snapshot_sql(model, alias), "message": "''", "request_id": "%(audit_request)s::text",
    }
    columns = [f.column for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    if sorted(columns) != sorted(values):  # a new column of the trail must be written here too
        raise NotImplementedError(f"audit event columns {sorted(columns)} are not those written {sorted(values)}")
    return (f'INSERT INTO "{AuditEvent._meta.db_table}" ({", ".join(columns)}) '
            f'SELECT {", ".join(values[c] for c in columns)} FROM {source} RETURNING id')


def event_params(*, actor: Actor, org_id: int, at: datetime) -> dict[str, Any]:
    """The parameters of ``event_insert_sql``, as ``audit_record`` fills them."""
    return {"audit_org": org_id, "audit_at": at, "audit_user": actor.user.pk if actor.user else None,
            "audit_token": actor.token.pk if actor.token else None, "audit_label": actor.label[:254],
            "audit_request": current_request_id()}
