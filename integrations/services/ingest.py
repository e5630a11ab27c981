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
from dataclasses import dataclass, field
from datetime import datetime

from django.db import models, transaction
from django.utils import timezone

from integrations import normalized as n
from integrations.connectors.base import PayloadError
from integrations.models import Connection
from integrations.services import ingest_delivery, ingest_work
from integrations.services._batch import CREATED, UPDATED, Written, upsert
from integrations.services._catalog import Catalog
from integrations.services.derivation_marks import derivation_mark
from vsm.nul import nul_at
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import require_org_id


@dataclass
class IngestResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # why a record was not stored
    # record type ("deployment", "incident", ...) -> external_id -> primary key
    ids: dict[str, dict[str, int]] = field(default_factory=dict)
    created_keys: set[tuple[str, str]] = field(default_factory=set)

    def was_created(self, kind: str, external_id: str) -> bool:
        return (kind, external_id) in self.created_keys

    @property
    def changed(self) -> int:
        return self.created + self.updated


class IngestRun:
    """What one ``records_ingest`` call shares between the record types it writes."""

    def __init__(self, *, connection: Connection | None, source: str, actor: Actor):
        self.org_id = require_org_id()
        self.connection_id = connection.pk if connection is not None else None
        self.source = source
        self.now = timezone.now()
        self.catalog = Catalog(actor=actor, source=source)
        self.result = IngestResult()
        self.marks: dict[int, datetime | None] = {}
        self.scope = {"organization_id": self.org_id, "source": source, "connection_id": self.connection_id}

    def upsert(self, model: type[models.Model], rows: dict[str, dict], **options) -> dict[str, Written]:
        """Upsert external records of this run's source and connection, keyed by external_id."""
        name = model._meta.model_name
        return upsert(model, scope=self.scope, key_fields=("external_id",), rows=rows, now=self.now,
                      locks=[f"{name}:{self.org_id}:{self.source}:{self.connection_id}:{key}" for key in rows],
                      **options)

    def count(self, kind: str, written: dict[str, Written]) -> None:
        ids = self.result.ids.setdefault(kind, {})
        for key, item in written.items():
            ids[str(key)] = item.obj.pk
            if item.state == CREATED:
                self.result.created += 1
                self.result.created_keys.add((kind, str(key)))
            elif item.state == UPDATED:
                self.result.updated += 1
            else:
                self.result.unchanged += 1

    def mark(self, service_id: int | None, since: datetime | None) -> None:
        """Derived data of ``service_id`` must be refreshed from ``since`` (None: everything)."""
        if service_id is None:
            return
        if service_id in self.marks:
            current = self.marks[service_id]
            since = None if current is None or since is None else min(current, since)
        self.marks[service_id] = since

    def skip(self, record: n.NormalizedRecord, reason: str) -> None:
        self.result.skipped.append(f"{type(record).__name__.removeprefix('Normalized')} {record.external_id}: {reason}")


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
