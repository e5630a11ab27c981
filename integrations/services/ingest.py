"""Ingestion: normalized records (integrations.normalized), whatever brought them (a webhook, a
pull sync, a CI job's API call), upserted into the integrations models.

- Every record is keyed by (organization, source, connection, external_id); commits by
  (organization, service, sha). Writing the same records again changes nothing and reports them
  unchanged, so replays are free and safe.
- ``None`` (and an empty value) in a record means "this payload does not say": it never
  overwrites what is stored.
- Raw names are resolved to catalog rows (services, environments, releases, change requests);
  an unknown service named by delivery data is created on first sight and audited.
- Derived data (first production deployments, incident attribution, rollups) is refreshed after
  commit by ``integrations.tasks.derivation_run_task``, from a marker written in the same transaction
  (see integrations.services.derivation_marks).

A batch costs a bounded number of queries per record type, not per record.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from integrations import normalized as n
from integrations.connectors.base import PayloadError
from integrations.models import Connection
from integrations.services import ingest_delivery, ingest_work
from integrations.services._ingest_run import IngestResult, IngestRun
from integrations.services.derivation_marks import derivation_mark
from vsm.nul import nul_at
from vsm.tenancy.actor import Actor

# The order matters: deployments link to the change requests and pipeline runs of the same batch.
_WRITERS = (
    ((n.NormalizedChangeRequest,), ingest_work.change_requests),
    ((n.NormalizedPipelineRun,), ingest_delivery.pipeline_runs),
    ((n.NormalizedPipelineJob,), ingest_delivery.pipeline_jobs),
    ((n.NormalizedCommit,), ingest_delivery.commits),
    ((n.NormalizedDeployment,), ingest_delivery.deployments),
    ((n.NormalizedPullRequest,), ingest_delivery.pull_requests),
    ((n.NormalizedWorkItem,), ingest_work.work_items),
    ((n.NormalizedIncident,), ingest_work.incidents),
)


@transaction.atomic
def records_ingest(*, connection: Connection | None, records: Iterable[n.NormalizedRecord],
                   source: str | None = None, actor: Actor | None = None) -> IngestResult:
    """Upsert ``records`` of ``connection`` (None: posted to the API). ``source`` defaults to the
    connection's kind, or "api"; ``actor`` is who services created on first sight are audited
    as (default: the system, named after the source)."""
    source = source or (connection.kind if connection is not None else "api")
    run = IngestRun(connection=connection, source=source, actor=actor or Actor.for_system(f"ingest:{source}"))
    records = list(records)
    for record in records:
        # Refused before any lookup: the database driver cannot even send such a value in a query.
        if where := nul_at(record, type(record).__name__.removeprefix("Normalized")):
            raise PayloadError(f"{where}: must not contain a NUL character", field=where.split(".", 1)[-1])
    for types, write in _WRITERS:
        batch = [r for r in records if isinstance(r, types)]
        if batch:
            write(run, batch)
    known_types = tuple(t for types, _ in _WRITERS for t in types)
    for record in records:
        if not isinstance(record, known_types):
            run.result.skipped.append(f"{type(record).__name__}: not a normalized record")
    derivation_mark(since_by_service=run.marks)
    return run.result
