"""The generic CI connector: any CI that can run ``curl`` reports deployments and pipeline runs
in Sluice's own JSON.

Delivery::

    POST /hooks/<connection-id>/
    Content-Type: application/json
    X-Sluice-Event: deployment | pipeline_run      (or an "event" key in the body)
    X-Sluice-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the webhook secret>

    # e.g. in a shell step:
    sig=$(printf '%s' "$BODY" | openssl dgst -sha256 -hmac "$SLUICE_WEBHOOK_SECRET" -r | cut -d' ' -f1)

A deployment (the same fields as ``POST /api/v1/orgs/<org>/deployments/``)::

    {"external_id": "deploy-4711",          required; re-sending it updates the same deployment
     "service": "payments-api",             required
     "environment": "production",           required
     "status": "succeeded",                 required: in_progress | succeeded | failed | rolled_back | cancelled
     "version": "2.4.1", "commit_sha": "<40 hex>",
     "kind": "normal",                      normal (default) | hotfix | rollback
     "rollback_of": "deploy-4702",          external_id of the deployment a rollback undoes
     "strategy": "canary",                  rolling | canary | blue_green | recreate
     "started_at": "2024-05-01T10:00:00Z", "finished_at": "2024-05-01T10:04:12+02:00",
     "release": "2024.05", "pipeline_run": "<pipeline run external_id>",
     "change_request": "CHG0031889", "triggered_by": "ci-bot", "url": "https://ci.example/run/1",
     "commits": [{"sha": "...", "authored_at": "...", "committed_at": "...", "message": "...",
                  "author": "...", "author_email": "...", "url": "..."}]}

A pipeline run::

    {"external_id": "build-981", "pipeline": "payments-api/main",       both required
     "status": "succeeded",       required: queued | in_progress | succeeded | failed | cancelled | skipped
     "service": "payments-api", "run_number": 981, "branch": "main", "commit_sha": "...",
     "trigger": "push", "started_at": "...", "finished_at": "...",
     "tests": {"passed": 412, "failed": 0, "skipped": 3}, "coverage": 87.5,
     "url": "...", "pull_requests": [42],
     "jobs": [{"external_id": "981-unit", "name": "unit tests", "status": "succeeded",
               "stage": "test", "environment": null, "started_at": "...", "finished_at": "...", "url": "..."}]}

Timestamps are ISO 8601 and must carry an offset (``Z`` or ``+02:00``): a CI runner's local time
is never guessed. Unknown keys are ignored, so newer clients can send more; a wrong value is a
PayloadError naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as MappingABC
from datetime import datetime
from enum import StrEnum
from typing import Any

from integrations.connectors.base import PayloadError, header, parse_timestamp, verify_hmac_sha256
from integrations.mapping import DEFAULT_MAPPING, Mapping
from integrations.normalized import (
    DeploymentKind,
    DeploymentStatus,
    DeploymentStrategy,
    NormalizedCommit,
    NormalizedDeployment,
    NormalizedPipelineJob,
    NormalizedPipelineRun,
    Parsed,
    RunStatus,
    Source,
)

SOURCE = Source.GENERIC
EVENT_HEADER = "X-Sluice-Event"
SIGNATURE_HEADER = "X-Sluice-Signature-256"
EVENTS = ("deployment", "pipeline_run")
_OFFSET = re.compile(r"(Z|[+-]\d\d:?\d\d)$")


class _Fields:
    """Typed reads from one JSON object, each error naming the field by its full path."""

    def __init__(self, body: Any, path: str = ""):
        if not isinstance(body, dict):
            raise PayloadError(f"{path or 'body'} must be a JSON object", field=path or None)
        self.body = body
        self.path = path

    def where(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def _fail(self, name: str, message: str) -> PayloadError:
        return PayloadError(f"{self.where(name)}: {message}", field=self.where(name))

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.body.get(name)
        if value is None or value == "":
            if required:
                raise self._fail(name, "is required")
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)  # ids and versions are often numbers in CI variables
        if not isinstance(value, str):
            raise self._fail(name, f"must be a string, got {type(value).__name__}")
        return value.strip()

    def choice(self, name: str, enum: type[StrEnum], *, default: Any = None, required: bool = False) -> Any:
        value = self.text(name, required=required)
        if value is None:
            return default
        try:
            return enum(value)
        except ValueError:
            raise self._fail(name, f"{value!r} is not one of {', '.join(m.value for m in enum)}") from None

    def time(self, name: str) -> datetime | None:
        value = self.text(name)
        if value is not None and "T" in value and not _OFFSET.search(value):
            raise self._fail(name, f"{value!r} has no UTC offset (add Z or +hh:mm)")
        return parse_timestamp(value, self.where(name))

    def integer(self, name: str) -> int | None:
        value = self.body.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self._fail(name, f"must be a non-negative integer, got {value!r}")
        return value

    def number(self, name: str) -> float | None:
        value = self.body.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise self._fail(name, f"must be a percentage from 0 to 100, got {value!r}")
        return float(value)

    def objects(self, name: str) -> list[_Fields]:
        value = self.body.get(name) or []
        if not isinstance(value, list):
            raise self._fail(name, "must be a list")
        return [_Fields(item, f"{self.where(name)}[{i}]") for i, item in enumerate(value)]


def event_name(headers: MappingABC[str, str], body: dict[str, Any]) -> str:
    event = header(headers, EVENT_HEADER) or body.get("event")
    return event if isinstance(event, str) else ""


def verify_webhook(headers: MappingABC[str, str], raw_body: bytes, secret: str,
                   query: MappingABC[str, str] | None = None) -> None:
    verify_hmac_sha256(header(headers, SIGNATURE_HEADER), secret=secret, body=raw_body, header_name=SIGNATURE_HEADER)


def parse_webhook(event: str, headers: MappingABC[str, str], body: dict[str, Any], *,
                  mapping: Mapping = DEFAULT_MAPPING) -> Parsed:
    if event == "deployment":
        return Parsed.of([parse_deployment(body)])
    if event == "pipeline_run":
        return Parsed.of([parse_pipeline_run(body)])
    return Parsed.skip(f"event {event or '(none)'!r} is not one Sluice reads ({', '.join(EVENTS)})")


def parse_deployment(body: dict[str, Any]) -> NormalizedDeployment:
    f = _Fields(body)
    service = f.text("service", required=True)
    status = f.choice("status", DeploymentStatus, required=True)
    kind = f.choice("kind", DeploymentKind, default=DeploymentKind.NORMAL)
    rollback_of = f.text("rollback_of")
    if rollback_of and kind != DeploymentKind.ROLLBACK:
        raise PayloadError("rollback_of: only a deployment of kind 'rollback' rolls another back", field="rollback_of")
    commits = []
    for c in f.objects("commits"):
        sha = c.text("sha", required=True)
        commits.append(NormalizedCommit(
            source=SOURCE, external_id=f"{service}@{sha}", service=service, sha=sha,
            message=c.text("message"), author=c.text("author"), author_email=c.text("author_email"),
            authored_at=c.time("authored_at"), committed_at=c.time("committed_at"), url=c.text("url"),
        ))
    return NormalizedDeployment(
        source=SOURCE,
        external_id=f.text("external_id", required=True),
        service=service,
        environment=f.text("environment", required=True),
        status=status,
        status_raw=status.value,
        version=f.text("version"),
        commit_sha=f.text("commit_sha"),
        kind=kind,
        rollback_of=rollback_of,
        strategy=f.choice("strategy", DeploymentStrategy),
        started_at=f.time("started_at"),
        finished_at=f.time("finished_at"),
        release=f.text("release"),
        pipeline_run_external_id=f.text("pipeline_run"),
        change_request=f.text("change_request"),
        triggered_by=f.text("triggered_by"),
        url=f.text("url"),
        commits=tuple(commits),
    )


def parse_pipeline_run(body: dict[str, Any]) -> NormalizedPipelineRun:
    f = _Fields(body)
    external_id = f.text("external_id", required=True)
    status = f.choice("status", RunStatus, required=True)
    tests = _Fields(body.get("tests") or {}, "tests")
    pull_requests = body.get("pull_requests") or []
    if not isinstance(pull_requests, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in pull_requests):
        raise PayloadError("pull_requests: must be a list of pull request numbers", field="pull_requests")
    jobs = []
    for j in f.objects("jobs"):
        job_status = j.choice("status", RunStatus, required=True)
        jobs.append(NormalizedPipelineJob(
            source=SOURCE, external_id=j.text("external_id", required=True), name=j.text("name", required=True),
            status=job_status, status_raw=job_status.value, stage=j.text("stage"), service=f.text("service"),
            pipeline_run_external_id=external_id, commit_sha=f.text("commit_sha"), branch=f.text("branch"),
            environment=j.text("environment"), started_at=j.time("started_at"), finished_at=j.time("finished_at"),
            url=j.text("url"),
        ))
    return NormalizedPipelineRun(
        source=SOURCE,
        external_id=external_id,
        pipeline=f.text("pipeline", required=True),
        status=status,
        status_raw=status.value,
        service=f.text("service"),
        run_number=f.integer("run_number"),
        branch=f.text("branch"),
        commit_sha=f.text("commit_sha"),
        trigger=f.text("trigger"),
        started_at=f.time("started_at"),
        finished_at=f.time("finished_at"),
        tests_passed=tests.integer("passed"),
        tests_failed=tests.integer("failed"),
        tests_skipped=tests.integer("skipped"),
        coverage=f.number("coverage"),
        url=f.text("url"),
        pull_request_numbers=tuple(pull_requests),
        jobs=tuple(jobs),
    )
