"""The schedule: which connections are due a pull, queued from beat once a minute."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils import timezone

from integrations.connectors import PULL_CLIENTS
from integrations.models import Connection, SyncRun
from integrations.services.connections import connection_sync_request
from vsm.tenancy.context import cross_tenant, task_context
from vsm.tenancy.models import Organization

ACTIVE_RUNS = (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)
# A queued or running run older than this is presumed lost (its worker died) and no longer
# holds the schedule back; the engine's lock still keeps two pulls apart.
STALE_AFTER = timedelta(hours=6)


def _due(connections, runs, now):
    next_at = ExpressionWrapper(F("last_synced_at") + F("sync_interval_minutes") * timedelta(minutes=1),
                                output_field=DateTimeField())
    busy = runs.filter(connection=OuterRef("pk"), status__in=ACTIVE_RUNS, queued_at__gte=now - STALE_AFTER)
    return (connections.filter(is_active=True, sync_enabled=True, kind__in=list(PULL_CLIENTS))
            .annotate(next_at=next_at).filter(Q(last_synced_at__isnull=True) | Q(next_at__lte=now))
            .filter(~Exists(busy)))


def connections_queue_due() -> int:
    """Queue a scheduled run for every due connection; each organization's inside its own
    tenant context. Returns how many were queued."""
    now = timezone.now()
    with cross_tenant(reason="sync schedule: find the organizations with connections due a pull"):
        due = _due(Connection.cross_tenant_objects, SyncRun.cross_tenant_objects, now)
        org_ids = sorted(set(due.values_list("organization_id", flat=True)))
    queued = 0
    for org in Organization.objects.filter(pk__in=org_ids):
        with task_context(org):
            for connection in _due(Connection.objects, SyncRun.objects, now):
                connection_sync_request(connection=connection, actor=None, trigger=SyncRun.Trigger.SCHEDULE)
                queued += 1
    return queued
