"""The pull sync of one connection, page by page; what it writes goes through
integrations.services.sync_runs.

Each page is written in one transaction together with the stream's cursor and the run's
counters, so a worker killed after page k leaves rows, cursor and counters of pages 1..k and the
next run resumes at page k+1, neither losing nor repeating a page.

Two runs of one connection never pull at the same time: a run holds a PostgreSQL session
advisory lock on the connection for its whole length (pages commit one by one, so a transaction
lock would not do). A second run waits, then starts from the cursors the first one saved, which
leaves the same rows as one run would.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection as db

from integrations.connectors.credentials import credentials_of
from integrations.connectors.http import redact
from integrations.connectors.plans import Stream, streams_of
from integrations.mapping import Mapping
from integrations.models import Connection, SyncRun
from integrations.services.sync_runs import sync_page_save, sync_run_finish, sync_run_start, sync_run_stream
from integrations.services.writeback_actions import writeback_queue

logger = logging.getLogger(__name__)

FINISHED = (SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED)
# Records whose resolution write-back reads; a run that touched none queues no write-back.
WRITEBACK_KINDS = ("incident", "work_item")


def _lock_key(connection_id: int) -> int:
    digest = hashlib.blake2b(f"connection-sync:{connection_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def connection_sync_lock(connection_id: int) -> Iterator[None]:
    """Hold the connection's sync lock (waiting for a run that holds it) until the block ends."""
    key = _lock_key(connection_id)
    with db.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [key])
    try:
        yield
    finally:
        with db.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def sync_run_execute(*, sync_run_id: int, client_options: dict[str, Any] | None = None) -> SyncRun | None:
    """Run a queued sync to its end (succeeded or failed, with the reason). Safe to call twice:
    a finished run is left as it is. ``client_options`` reach the pull clients (tests pass a
    no-wait ``sleep``)."""
    run = SyncRun.objects.select_related("connection").filter(pk=sync_run_id).first()
    if run is None or run.status in FINISHED:
        return run
    with connection_sync_lock(run.connection_id):
        run.refresh_from_db()
        if run.status in FINISHED:
            return run
        connection = Connection.objects.get(pk=run.connection_id)  # the cursors the last run saved
        sync_run_start(run=run)
        credentials = credentials_of(connection.credentials)
        secrets = (*credentials.secrets(), *([connection.webhook_secret] if connection.has_webhook_secret else []))
        touched: set[str] = set()
        try:
            streams = streams_of(kind=connection.kind, base_url=connection.base_url, options=connection.options,
                                 credentials=credentials, mapping=Mapping.from_overrides(connection.mapping),
                                 **(client_options or {}))
            for stream in streams:
                touched |= _pull(run, connection, stream)
        except Exception as exc:  # whatever went wrong is the run's outcome, not a crash of the worker
            message = redact(getattr(exc, "message", None) or str(exc) or type(exc).__name__, secrets)
            logger.warning("sync of connection %s failed: %s", connection.pk, message)
            sync_run_finish(run=run, connection=connection, status=SyncRun.Status.FAILED, message=message[:2000])
        else:
            sync_run_finish(run=run, connection=connection, status=SyncRun.Status.SUCCEEDED)
    if touched & set(WRITEBACK_KINDS):
        writeback_queue(source=connection)
    return run


def _pull(run: SyncRun, connection: Connection, stream: Stream) -> set[str]:
    sync_run_stream(run=run, key=stream.key)
    touched: set[str] = set()
    try:
        for page in stream.pages(connection.cursors.get(stream.key)):
            touched |= sync_page_save(run=run, connection=connection, key=stream.key, page=page)
    finally:
        stream.close()
    return touched
