"""The debt of derived delivery data: a marker per service, written with the records, paid by
``integrations.tasks.derivation_run_task``.

The marker is the source of truth, the task only an accelerator: if the broker is down when the
records are stored, the marker stays and the periodic sweep queues the task later.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from integrations import derivation
from integrations.models import DerivationPending
from vsm.tenancy.context import cross_tenant, require_org_id
from vsm.tenancy.tasks import enqueue

logger = logging.getLogger(__name__)

SWEEP_AFTER = timedelta(minutes=1)  # younger markers still have their own task on the way

# Keeps the earlier of the stored and the new `since` (null: from the beginning), and returns each
# marked service with whether its marker is new: a marker that was already there has its task on
# the way (or the sweep's), and that task reads the marker when it starts, or finds it changed when
# it ends and queues itself again (derivation_run). So a burst of records for one service queues
# one task, not one per record. Also used by integrations.services.deployment_post, which marks
# inside its one statement.
MARK_CONFLICT = """ON CONFLICT (organization_id, service_id) DO UPDATE SET
    since = CASE WHEN pending.since IS NULL OR excluded.since IS NULL THEN NULL
                 ELSE least(pending.since, excluded.since) END,
    marked_at = excluded.marked_at
RETURNING service_id, xmax = 0 AS fresh"""  # xmax is 0 on a row this statement inserted

_MARK_SQL = f"""
INSERT INTO {DerivationPending._meta.db_table} AS pending (organization_id, service_id, since, marked_at)
SELECT %s, service_id, since, %s FROM unnest(%s::bigint[], %s::timestamptz[]) AS m(service_id, since)
{MARK_CONFLICT}
"""


def derivation_mark(*, since_by_service: dict[int, datetime | None]) -> None:
    """Record that these services' derived data must be refreshed from ``since`` (None: from the
    beginning), keeping the earliest of an existing marker's and the new one, and queue the task
    after commit for the services that had no marker. One statement however many services."""
    if not since_by_service:
        return
    service_ids = sorted(since_by_service)
    with connection.cursor() as cursor:
        cursor.execute(_MARK_SQL, [require_org_id(), timezone.now(), service_ids,
                                   [since_by_service[s] for s in service_ids]])
        fresh = sorted(service_id for service_id, is_fresh in cursor.fetchall() if is_fresh)
    derivation_queue(service_ids=fresh)


def derivation_queue(*, service_ids: list[int]) -> None:
    """Queue the derivation of services just marked, after commit."""
    from integrations import tasks  # the tasks module imports the services

    org_id = require_org_id()
    for service_id in service_ids:
        enqueue(tasks.derivation_run_task, org_id=org_id, service_id=service_id)


def _try_lock(service_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [require_org_id(), service_id])
        return cursor.fetchone()[0]


@transaction.atomic
def derivation_run(*, service_id: int) -> bool:
    """Pay one service's marker: run the derivation from the marker's ``since``, then delete the
    marker unless a newer mark arrived meanwhile (which queued no task of its own: this run queues
    the next one, after commit). Safe to run twice or concurrently: a second run while one holds
    the service skips. Returns whether the derivation ran."""
    marker = DerivationPending.objects.filter(service_id=service_id).first()
    if marker is None or not _try_lock(service_id):
        return False
    derivation.delivery_derive(service_id=service_id, since=marker.since)
    deleted, _by_model = DerivationPending.objects.filter(pk=marker.pk, marked_at=marker.marked_at).delete()
    if not deleted:
        derivation_queue(service_ids=[service_id])
    return True


def derivation_sweep() -> int:
    """Queue the task again for markers no task has paid (written while the broker was down, or
    a worker was lost). Runs every minute from beat, across organizations."""
    from integrations import tasks

    with cross_tenant(reason="derivation sweep: find markers no task has paid"):
        stale = list(DerivationPending.cross_tenant_objects
                     .filter(marked_at__lt=timezone.now() - SWEEP_AFTER)
                     .order_by("marked_at").values_list("organization_id", "service_id")[:1000])
    for org_id, service_id in stale:
        enqueue(tasks.derivation_run_task, org_id=org_id, service_id=service_id)
    return len(stale)
