"""What CI jobs record through the API: deployments, incidents, pipeline runs and commits.

Each service checks what only Sluice can check (the environment exists, the deployment an
incident names exists, times are in order), turns the input into a normalized record and hands
it to ``records_ingest``, the one write path webhooks and syncs use too. Re-posting the same
``external_id`` (or, without one, the same ``Idempotency-Key``) updates the same row.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils.text import slugify

from environments.models import Environment
from integrations import normalized as n
from integrations.connectors.base import PayloadError
from integrations.models import Commit, Deployment, Incident, PipelineRun
from integrations.selectors import deployment_get
from integrations.services._catalog import releases_by_name
from integrations.services._ingest_run import IngestResult
from integrations.services.deployment_post import deployment_post
from integrations.services.ingest import records_ingest
from releases.models import Release
from vsm.audit.services import audit_record, snapshot
from vsm.catalog.models import Service
from vsm.errors import InvalidInput
from vsm.nul import nul_at
from vsm.tenancy.actor import Actor

API = n.Source.GENERIC  # the record's own source field; rows are stored with source "api"


@dataclass(frozen=True, slots=True)
class ApiDeployment(n.NormalizedDeployment):
    """A deployment as the API takes it: it may name rows by their Sluice ids."""

    rollback_of_id: int | None = None
    release_id: int | None = None


@dataclass(frozen=True, slots=True)
class ApiIncident(n.NormalizedIncident):
    caused_by_deployment_id: int | None = None


@dataclass(frozen=True, slots=True)
class ApiPipelineRun(n.NormalizedPipelineRun):
    version: str | None = None


def _external_id(external_id: str | None, idempotency_key: str | None) -> str:
    if external_id:
        return external_id
    if idempotency_key:
        return f"idempotency-key:{idempotency_key}"
    return f"api:{uuid.uuid4().hex}"  # neither: every post is a new record, as the caller asked


def _ingest(records: list[n.NormalizedRecord], actor: Actor) -> IngestResult:
    """records_ingest of what a request posted: a value its columns cannot hold is bad input
    (400 naming the field), not a server error."""
    try:
        return records_ingest(connection=None, records=records, actor=actor)
    except PayloadError as exc:
        raise InvalidInput.field(exc.field or "non_field_errors", exc.message) from exc


def _environment(raw: str | None, *, field: str = "environment") -> Environment | None:
    if not raw:
        return None
    lowered = raw.strip().lower()
    for env in Environment.objects.filter(slug__in={lowered, slugify(lowered)}) or \
            Environment.objects.filter(name__iexact=raw.strip()):
        return env
    raise InvalidInput.field(field, f"No environment {raw!r} in this organization (use its slug or name).")


def _known_service(raw: str | None) -> Service | None:
    if not raw:
        return None
    service = (Service.objects.filter(slug__iexact=raw.strip()).first()
               or Service.objects.filter(name__iexact=raw.strip()).first())
    if service is None:
        raise InvalidInput.field("service", f"No service {raw!r} in this organization (use its slug or name).")
    return service


def _in_order(start: datetime | None, end: datetime | None, *, end_field: str, start_field: str) -> None:
    if start and end and end < start:
        raise InvalidInput.field(end_field, f"{end_field} must not be before {start_field}.")


def _by_id_or_name(raw: str | None, model: type[Model], field: str) -> int | None:
    """A Sluice id (digits) of a row that exists, else None (the caller tries other names)."""
    if raw and raw.isdigit():
        return model.objects.filter(pk=int(raw)).values_list("pk", flat=True).first()
    return None


def _stored(result: IngestResult, kind: str, external_id: str, model: type[Model], actor: Actor,
            action: str, get=None) -> tuple[Any, bool]:
    pk = result.ids[kind][external_id]
    row = get(pk) if get else model.objects.get(pk=pk)
    created = result.was_created(kind, external_id)
    return _audited(row, created=created, changed=bool(result.changed), actor=actor, action=action)


def _audited(row: Model, *, created: bool, changed: bool, actor: Actor, action: str) -> tuple[Any, bool]:
    if changed:
        audit_record(actor=actor, action=f"{action}.{'recorded' if created else 'updated'}", instance=row,
                     after=snapshot(row))
    return row, created


def deployment_record(*, actor: Actor, service: str, environment: str, status: str, version: str | None = None,
                      commit_sha: str | None = None, kind: str | None = None, rollback_of: str | None = None,
                      strategy: str | None = None, started_at: datetime | None = None,
                      finished_at: datetime | None = None, release: str | None = None,
                      external_id: str | None = None, idempotency_key: str | None = None, url: str | None = None,
                      pipeline_run: str | None = None, change_request: str | None = None,
                      triggered_by: str | None = None, commits: list[dict] | tuple = ()) -> tuple[Deployment, bool]:
    """Record (or update) a deployment a CI job reports. Returns the row (its service,
    environment and commits loaded) and whether it is new. The common post is one statement,
    atomic on its own (integrations/services/deployment_post.py); the others one transaction."""
    _in_order(started_at, finished_at, end_field="finished_at", start_field="started_at")
    kind = kind or n.DeploymentKind.NORMAL.value
    if rollback_of and kind != n.DeploymentKind.ROLLBACK.value:
        raise InvalidInput.field("rollback_of", "Only a deployment of kind 'rollback' names what it rolls back.")
    external_id = _external_id(external_id, idempotency_key)
    record = ApiDeployment(
        source=API, external_id=external_id, service=service, environment=environment,
        status=n.DeploymentStatus(status), status_raw=status, version=version, commit_sha=commit_sha,
        kind=n.DeploymentKind(kind), rollback_of=rollback_of, strategy=n.DeploymentStrategy(strategy) if strategy
        else None, started_at=started_at, finished_at=finished_at, release=release,
        pipeline_run_external_id=pipeline_run, change_request=change_request, triggered_by=triggered_by, url=url,
        commits=tuple(_commit(service, c) for c in commits))
    if nul_at(record, "Deployment") is None and (posted := deployment_post(record=record, actor=actor)):
        return posted.deployment, posted.created
    return _deployment_ingest(record, actor)


@transaction.atomic
def _deployment_ingest(record: ApiDeployment, actor: Actor) -> tuple[Deployment, bool]:
    """A post the one statement cannot write: references to resolve, a service to create."""
    environment, release, rollback_of = record.environment, record.release, record.rollback_of
    env = _environment(environment)
    release_id = _by_id_or_name(release, Release, "release")
    if release and release_id is None and release not in releases_by_name({release}):
        raise InvalidInput.field("release", f"No release with id, version or name {release!r}.")
    record = replace(record, environment=env.slug, release=None if release_id else release, release_id=release_id,
                     rollback_of_id=_by_id_or_name(rollback_of, Deployment, "rollback_of"))
    result = _ingest([record], actor)
    return _stored(result, "deployment", record.external_id, Deployment, actor, "deployment",
                   get=lambda pk: deployment_get(deployment_id=pk))


def _commit(service: str, data: dict) -> n.NormalizedCommit:
    return n.NormalizedCommit(
        source=API, external_id=f"{service}@{data['sha']}", service=service, sha=data["sha"],
        message=data.get("message"), author=data.get("author"), author_email=data.get("author_email"),
        authored_at=data.get("authored_at"), committed_at=data.get("committed_at"), url=data.get("url"))


@transaction.atomic
def incident_record(*, actor: Actor, title: str, external_id: str | None = None,
                    idempotency_key: str | None = None, number: str | None = None, status: str | None = None,
                    severity: int | None = None, service: str | None = None, environment: str | None = None,
                    opened_at: datetime | None = None, resolved_at: datetime | None = None,
                    caused_by_deployment: int | None = None, caused_by_commit_sha: str | None = None,
                    caused_by_version: str | None = None, url: str | None = None) -> tuple[Incident, bool]:
    """Record (or update) an incident. ``caused_by_deployment`` is the id a deployment post
    returned; the service and environment must exist (an incident names what it hit)."""
    known_service = _known_service(service)
    env = _environment(environment)
    _in_order(opened_at, resolved_at, end_field="resolved_at", start_field="opened_at")
    if caused_by_deployment is not None and not Deployment.objects.filter(pk=caused_by_deployment).exists():
        raise InvalidInput.field("caused_by_deployment", f"No deployment with id {caused_by_deployment}.")
    external_id = _external_id(external_id, idempotency_key)
    status = status or (n.IncidentStatus.RESOLVED.value if resolved_at else n.IncidentStatus.OPEN.value)
    record = ApiIncident(
        source=API, external_id=external_id, number=number or external_id, title=title,
        status=n.IncidentStatus(status), status_raw=status, severity=severity,
        service=known_service.slug if known_service else None, environment=env.slug if env else None,
        opened_at=opened_at, resolved_at=resolved_at, caused_by_commit_sha=caused_by_commit_sha,
        caused_by_version=caused_by_version, url=url, caused_by_deployment_id=caused_by_deployment)
    result = _ingest([record], actor)
    return _stored(result, "incident", external_id, Incident, actor, "incident")


@transaction.atomic
def pipeline_run_record(*, actor: Actor, pipeline: str, status: str, external_id: str | None = None,
                        idempotency_key: str | None = None, service: str | None = None,
                        run_number: int | None = None, branch: str | None = None, commit_sha: str | None = None,
                        version: str | None = None, trigger: str | None = None,
                        started_at: datetime | None = None, finished_at: datetime | None = None,
                        tests: dict | None = None, coverage: float | None = None, url: str | None = None,
                        pull_requests: list[int] | tuple = ()) -> tuple[PipelineRun, bool]:
    """Record (or update) a pipeline run (a build) with its test counts and coverage."""
    _in_order(started_at, finished_at, end_field="finished_at", start_field="started_at")
    external_id = _external_id(external_id, idempotency_key)
    tests = tests or {}
    record = ApiPipelineRun(
        source=API, external_id=external_id, pipeline=pipeline, status=n.RunStatus(status), status_raw=status,
        service=service, run_number=run_number, branch=branch, commit_sha=commit_sha, trigger=trigger,
        started_at=started_at, finished_at=finished_at, tests_passed=tests.get("passed"),
        tests_failed=tests.get("failed"), tests_skipped=tests.get("skipped"), coverage=coverage, url=url,
        pull_request_numbers=tuple(pull_requests), version=version)
    result = _ingest([record], actor)
    return _stored(result, "pipeline_run", external_id, PipelineRun, actor, "pipeline_run")


@transaction.atomic
def commits_record(*, actor: Actor, service: str, commits: list[dict]) -> tuple[list[Commit], int]:
    """Record commits of a service (created on first sight, like a deployment's). Returns the
    rows in the order given and how many were new."""
    records = [_commit(service, c) for c in commits]
    result = _ingest(records, actor)
    rows = Commit.objects.in_bulk([result.ids["commit"][r.external_id] for r in records])
    ordered = [rows[result.ids["commit"][r.external_id]] for r in records]
    if result.changed:
        audit_record(actor=actor, action="commits.recorded", object_type="catalog.service",
                     object_id=ordered[0].service_id, object_repr=ordered[0].service.name,
                     message=f"{result.created} new, {result.updated} updated commits")
    return ordered, result.created
