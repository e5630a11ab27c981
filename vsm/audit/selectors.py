from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from vsm.audit.models import AuditEvent


def audit_event_list(*, action: str | None = None, object_type: str | None = None, object_id: str | None = None,
                     actor: str | None = None, since: date | None = None, until: date | None = None
                     ) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.order_by("-occurred_at", "-id")
    if action:
        qs = qs.filter(action__startswith=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(actor_label__icontains=actor)
    if since:
        qs = qs.filter(occurred_at__date__gte=since)
    if until:
        qs = qs.filter(occurred_at__date__lte=until)
    return qs
