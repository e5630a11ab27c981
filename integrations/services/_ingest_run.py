"""What one ``records_ingest`` call (integrations.services.ingest) shares with the writers of
each record type (ingest_delivery, ingest_work): the run and the result it counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import models
from django.utils import timezone

from integrations import normalized as n
from integrations.models import Connection
from integrations.services._batch import CREATED, UPDATED, Written, upsert
from integrations.services._catalog import Catalog
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

    def service_of(self, record: n.NormalizedRecord):
        """The catalog service ``record`` names, created on first sight; None (and the record
        skipped) when it names none."""
        service = self.catalog.service(record.service, create=True)
        if service is None:
            self.skip(record, "names no service")
        return service

    def skip(self, record: n.NormalizedRecord, reason: str) -> None:
        self.result.skipped.append(f"{type(record).__name__.removeprefix('Normalized')} {record.external_id}: {reason}")
