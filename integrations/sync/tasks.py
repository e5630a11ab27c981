"""Celery tasks of the sync: a connection's pull, the schedule that queues due pulls, and the
write-back pass. They take org_id and integer ids, re-fetch, and are safe to run twice."""

from __future__ import annotations

from celery import shared_task

from integrations.models import Connection
from integrations.sync import engine, schedule, writeback
from vsm.tenancy.tasks import tenant_task


@tenant_task
def connection_sync(connection_id: int, sync_run_id: int) -> str | None:
    """Run one queued sync of ``connection_id`` (a finished run is left alone)."""
    run = engine.sync_run_execute(sync_run_id=sync_run_id)
    return run.status if run is not None and run.connection_id == connection_id else None


@tenant_task
def connection_writeback(connection_id: int) -> int:
    """Announce in the other tools what ``connection_id``'s records resolved lately."""
    source = Connection.objects.filter(pk=connection_id, is_active=True).first()
    return len(writeback.writeback_pending(source=source)) if source is not None else 0


@shared_task(name="integrations.sync.tasks.connections_sync_due")
def connections_sync_due() -> int:
    """Beat, every minute: queue the scheduled pulls that are due, in every organization."""
    return schedule.connections_queue_due()
