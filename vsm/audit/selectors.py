from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import BooleanField, Case, F, QuerySet, Value, When

from vsm.audit.models import AuditEvent


def audit_event_list() -> QuerySet[AuditEvent]:
    """Newest first; filtered by vsm.audit.filters.AuditEventFilter (API) and AuditEventPageFilter."""
    return AuditEvent.objects.order_by("-occurred_at", "-id")


def audit_events_folded(events: QuerySet[AuditEvent], *, fold: bool) -> tuple[QuerySet[AuditEvent], int]:
    """The events to list and how many were folded away: events whose before and after are the
    same (automated re-evaluations that changed nothing flood the trail otherwise). `fold=False`
    lists them all (and folds none)."""
    if not fold:
        return events, 0
    events = events.alias(unchanged=Case(When(before=F("after"), then=Value(True)), default=Value(False),
                                         output_field=BooleanField()))
    return events.filter(unchanged=False), events.filter(unchanged=True).count()


def audit_event_get(*, event_id: int) -> AuditEvent | None:
    return AuditEvent.objects.filter(pk=event_id).first()


def audit_filter_choices() -> dict[str, list[str]]:
    """The actions and object types that occur in this organization's trail, for the filters."""
    def distinct(field: str) -> list[str]:
        return list(AuditEvent.objects.order_by(field).values_list(field, flat=True).distinct())
    return {"actions": distinct("action"), "object_types": distinct("object_type")}


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str | None  # JSON text; None where the side has no such field
    after: str | None
    changed: bool


def _as_json(value: Any) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)


def audit_event_changes(event: AuditEvent) -> list[FieldChange]:
    """Every field of the before and after snapshots, changed fields first, then by name."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    rows = []
    for field in sorted(set(before) | set(after)):
        old = _as_json(before[field]) if field in before else None
        new = _as_json(after[field]) if field in after else None
        rows.append(FieldChange(field=field, before=old, after=new, changed=old != new))
    return sorted(rows, key=lambda row: not row.changed)


def audit_latest_id() -> int:
    """The id of the organization's newest audit event (0 before the first): every service writes
    one with its change, so it versions whatever pages show (vsm.live)."""
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
