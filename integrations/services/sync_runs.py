"""Writes of a pull sync (integrations.sync.engine runs it): a run's start, the stream it is on,
each page with the stream's cursor and the run's counters, and the run's end.

A page's records, the stream's cursor and the counters commit in one transaction, so a worker
killed after page k leaves rows, cursor and counters of pages 1..k and the next run resumes at
page k+1. No audit event: a run is the machine's work, and it is its own record (the sync runs
page shows it).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from integrations.connectors.http import Page
from integrations.models import Connection, SyncRun
from integrations.services.ingest import records_ingest


def sync_run_start(*, run: SyncRun) -> None:
    run.status, run.started_at, run.error_message = SyncRun.Status.RUNNING, timezone.now(), ""
    run.save(update_fields=["status", "started_at", "error_message"])


def sync_run_stream(*, run: SyncRun, key: str) -> None:
    """The stream the run pulls now (shown while it runs)."""
    run.current_stream = key
    run.save(update_fields=["current_stream"])


@transaction.atomic
def sync_page_save(*, run: SyncRun, connection: Connection, key: str, page: Page) -> set[str]:
    """Ingest one page of stream ``key`` and move its cursor; the record kinds the page changed."""
    result = records_ingest(connection=connection, records=page.records)
    connection.cursors = {**connection.cursors, key: page.cursor}
    connection.save(update_fields=["cursors"])
    run.pages += 1
    run.fetched += len(page.records)
    run.created += result.created
    run.updated += result.updated
    run.errors += len(result.skipped)
    if result.skipped:
        run.error_message = "; ".join([*filter(None, [run.error_message]), *result.skipped])[-2000:]
    run.save(update_fields=["pages", "fetched", "created", "updated", "errors", "error_message"])
    return {kind for kind, ids in result.ids.items() if ids} if result.changed else set()


def sync_run_finish(*, run: SyncRun, connection: Connection, status: str, message: str = "") -> None:
    """End the run (``message`` is the reason a run failed); a run that succeeded is the
    connection's last sync, from which the schedule counts the next."""
    run.status, run.finished_at, run.current_stream = status, timezone.now(), ""
    fields = ["status", "finished_at", "current_stream"]
    if message:
        run.error_message = message
        run.errors += 1
        fields += ["error_message", "errors"]
    run.save(update_fields=fields)
    if status == SyncRun.Status.SUCCEEDED:
        connection.last_synced_at = run.finished_at
        connection.save(update_fields=["last_synced_at"])
