"""Gate rules over the delivery record, registered from IntegrationsConfig.ready() (see gates.rules).

Every rule reads the release from the gate's context (`release_id`, which every phase gate of a
release carries) and looks at records of the release's versions: the release's own version and
the version each service in its scope ships with, matched against what CI reported as the
version or the commit it built. Evidence names every record looked at, with ids and links.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import Any

from django.db.models import F, Q

from gates.models import Criterion, Gate
from gates.rules import RuleError, RuleOutcome, registry
from integrations import normalized as n
from integrations.models import ChangeRequest, PipelineJob, PipelineRun, WorkItem
from releases.models import Release

PIPELINE_TESTS_PASSED = "pipeline_tests_passed"
NO_OPEN_DEFECTS = "no_open_defects"
CHANGE_REQUEST_APPROVED = "change_request_approved"
SECURITY_SCAN_PASSED = "security_scan_passed"

SUCCEEDED, FAILED = n.RunStatus.SUCCEEDED.value, n.RunStatus.FAILED.value
# Runs that say nothing about the release (not finished, or never ran) are not evidence.
FINISHED = (SUCCEEDED, FAILED)
OLDEST = datetime.min.replace(tzinfo=UTC)
EVIDENCE_LIMIT = 20  # records named in the evidence; the summary still counts them all


@dataclass(frozen=True)
class Scope:
    """A release and the version each service in its scope ships with."""

    release: Release
    versions: dict[int, str]  # service id -> version
    service_slugs: dict[int, str]

    @property
    def all_versions(self) -> list[str]:
        return sorted({self.release.version, *self.versions.values()})

    def runs_filter(self) -> Q:
        """Runs that built this release: per service its version (or commit); without services in
        scope, any run of the release's version."""
        if not self.versions:
            version = self.release.version
            return Q(version=version) | Q(commit_sha=version)
        match = Q(pk__in=[])
        for service_id, version in self.versions.items():
            match |= Q(service_id=service_id) & (Q(version=version) | Q(commit_sha=version))
        return match

    def values(self) -> dict[str, Any]:
        return {"release_id": self.release.pk, "release": str(self.release), "versions": self.all_versions}


def release_scope(gate: Gate) -> Scope:
    release_id = (gate.context or {}).get("release_id")
    release = Release.objects.filter(pk=release_id).first() if isinstance(release_id, int) else None
    if release is None:
        raise RuleError("the gate's context names no release (release_id)")
    links = release.service_links.select_related("service").order_by("service__slug")
    return Scope(release=release, versions={link.service_id: link.version or release.version for link in links},
                 service_slugs={link.service_id: link.service.slug for link in links})


def _latest_first(queryset):
    return queryset.order_by(F("finished_at").desc(nulls_last=True), "-id")


def _pass_percent(run: PipelineRun) -> float | None:
    counted = (run.tests_passed or 0) + (run.tests_failed or 0)
    return round(100 * (run.tests_passed or 0) / counted, 2) if counted else None


def _run_values(run: PipelineRun) -> dict[str, Any]:
    return {"id": run.pk, "pipeline": run.pipeline, "run_number": run.run_number, "status": run.status,
            "service": run.service.slug if run.service_id else None, "version": run.version,
            "commit_sha": run.commit_sha, "tests_passed": run.tests_passed, "tests_failed": run.tests_failed,
            "pass_percent": _pass_percent(run), "finished_at": run.finished_at, "url": run.url}


def pipeline_tests_passed(gate: Gate, criterion: Criterion, params: dict[str, Any]) -> RuleOutcome:
    """Met when, for every service in the release's scope, the latest finished run of its version
    succeeded with at least `min_pass_percent` of its tests passing."""
    scope = release_scope(gate)
    threshold, pipeline = params["min_pass_percent"], params.get("pipeline")
    runs = PipelineRun.objects.filter(scope.runs_filter(), status__in=FINISHED).select_related("service")
    if pipeline:
        runs = runs.filter(pipeline=pipeline)
    latest: dict[int | None, PipelineRun] = {}
    for run in _latest_first(runs):
        latest.setdefault(run.service_id, run)
    missing = [slug for service_id, slug in scope.service_slugs.items() if service_id not in latest]
    values = {**scope.values(), "min_pass_percent": threshold, "pipeline": pipeline,
              "runs": [_run_values(run) for run in list(latest.values())[:EVIDENCE_LIMIT]], "missing": missing}
    which = f"'{pipeline}' " if pipeline else ""
    if not latest:
        return RuleOutcome(met=False, summary=f"No {which}pipeline run of {', '.join(scope.all_versions)} "
                                              "has finished yet.", values=values)
    short = [run for run in latest.values() if run.status == FAILED or (
        _pass_percent(run) is not None and _pass_percent(run) < threshold)]
    if short:
        described = ", ".join(f"{run} ({run.status}, {_pass_percent(run)}% passed)" for run in short)
        return RuleOutcome(met=False, summary=f"Below {threshold}% or failed: {described}."[:500], values=values,
                           failed=True)
    untested = [str(run) for run in latest.values() if _pass_percent(run) is None]
    if untested or missing:
        parts = ([f"no test results from {', '.join(untested)}"] if untested else []) + (
            [f"no run yet for {', '.join(missing)}"] if missing else [])
        return RuleOutcome(met=False, summary=f"Not decided: {'; '.join(parts)}."[:500], values=values)
    return RuleOutcome(met=True, summary=f"{len(latest)} {which}pipeline run(s) of {scope.release} passed with "
                                         f">= {threshold}% of tests passing.", values=values)


def no_open_defects(gate: Gate, criterion: Criterion, params: dict[str, Any]) -> RuleOutcome:
    """Met when no defect of severity `max_severity` or worse (1 is the worst) that is not done
    lists the release's version among its fix versions. A defect without a severity is not
    counted: the tracker did not say it is severe."""
    scope = release_scope(gate)
    worst = params["max_severity"]
    version = scope.release.version
    defects = list(WorkItem.objects.filter(
        flow_type=n.FlowType.DEFECT.value, severity__lte=worst, fix_versions__contains=[version],
    ).exclude(status_category=n.StatusCategory.DONE.value).order_by("severity", "key")[:EVIDENCE_LIMIT + 1])
    values = {**scope.values(), "max_severity": worst, "defects": [
        {"id": d.pk, "key": d.key, "title": d.title, "severity": d.severity, "status": d.status_raw or
         d.status_category, "url": d.url} for d in defects[:EVIDENCE_LIMIT]]}
    if not defects:
        return RuleOutcome(met=True, summary=f"No open defect of severity {worst} or worse is fixed in {version}.",
                           values=values)
    more = "+" if len(defects) > EVIDENCE_LIMIT else ""
    keys = ", ".join(f"{d.key} (severity {d.severity})" for d in defects[:EVIDENCE_LIMIT])
    return RuleOutcome(met=False, summary=f"{len(defects[:EVIDENCE_LIMIT])}{more} open defect(s) for {version}: "
                                          f"{keys}."[:500], values=values, failed=True)


def _change_values(change: ChangeRequest) -> dict[str, Any]:
    return {"id": change.pk, "number": change.number, "state": change.state, "approval": change.approval,
            "planned_start": change.planned_start, "planned_end": change.planned_end, "url": change.url}


def change_request_approved(gate: Gate, criterion: Criterion, params: dict[str, Any]) -> RuleOutcome:
    """Met when a change request of the release (or the one numbered `number`) is approved and
    not cancelled; failed when the latest one was rejected."""
    scope = release_scope(gate)
    number = params.get("number")
    changes = list(ChangeRequest.objects.filter(
        **({"number": number} if number else {"release": scope.release}))[:EVIDENCE_LIMIT])
    values = {**scope.values(), "number": number, "change_requests": [_change_values(c) for c in changes]}
    which = number or f"{scope.release}"
    if not changes:
        return RuleOutcome(met=False, summary=f"No change request for {which} has been reported.", values=values)
    approved = next((c for c in changes if c.is_approved and c.state != n.ChangeState.CANCELLED.value), None)
    if approved is not None:
        return RuleOutcome(met=True, summary=f"{approved.number} is approved ({approved.state or 'no state'}).",
                           values={**values, "approved_id": approved.pk})
    latest = changes[0]
    rejected = latest.approval == n.Approval.REJECTED.value
    return RuleOutcome(met=False, summary=f"{latest.number} is {latest.approval or 'not submitted for approval'} "
                                          f"({latest.state or 'no state'}).", values=values, failed=rejected)


def security_scan_passed(gate: Gate, criterion: Criterion, params: dict[str, Any]) -> RuleOutcome:
    """Met when the latest finished job (by name or stage) or pipeline (by name) of the release's
    versions matching `pattern` (a shell-style pattern, case-insensitive) succeeded."""
    scope = release_scope(gate)
    pattern = params.get("pattern", "*security*").lower()
    runs = PipelineRun.objects.filter(scope.runs_filter())
    matches: list[tuple[Any, dict[str, Any]]] = []
    for run in runs.filter(status__in=FINISHED):
        if fnmatchcase(run.pipeline.lower(), pattern):
            matches.append((run.finished_at, {"kind": "pipeline_run", **_run_values(run)}))
    for job in PipelineJob.objects.filter(run__in=runs, status__in=FINISHED).select_related("run"):
        if fnmatchcase(job.name.lower(), pattern) or fnmatchcase(job.stage.lower(), pattern):
            matches.append((job.finished_at, {
                "kind": "pipeline_job", "id": job.pk, "name": job.name, "stage": job.stage, "status": job.status,
                "run_id": job.run_id, "pipeline": job.run.pipeline, "finished_at": job.finished_at,
                "url": job.url or job.run.url}))
    # Latest first; a scan that never said when it finished counts as the oldest.
    matches.sort(key=lambda m: (m[0] or OLDEST, m[1]["id"]), reverse=True)
    values = {**scope.values(), "pattern": pattern, "scans": [m for _, m in matches[:EVIDENCE_LIMIT]]}
    if not matches:
        return RuleOutcome(met=False, summary=f"No job or pipeline matching '{pattern}' has finished for "
                                              f"{', '.join(scope.all_versions)}.", values=values)
    latest = matches[0][1]
    name = latest.get("name") or latest["pipeline"]
    if latest["status"] == SUCCEEDED:
        return RuleOutcome(met=True, summary=f"'{name}' succeeded for {scope.release}.", values=values)
    return RuleOutcome(met=False, summary=f"'{name}' {latest['status']} for {scope.release}.", values=values,
                       failed=True)


def _params(*, required: tuple[str, ...] = (), **properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "required": list(required), "properties": properties, "additionalProperties": False}


RULES = [
    (PIPELINE_TESTS_PASSED, pipeline_tests_passed, "The release's pipeline passed its tests",
     "Met when the latest finished pipeline run of the release's version (per service in its scope, by version or "
     "commit) succeeded with at least min_pass_percent of its tests passing; optionally only the named pipeline.",
     _params(required=("min_pass_percent",),
             min_pass_percent={"type": "number", "minimum": 0, "maximum": 100,
                               "description": "the share of tests that must pass, in percent"},
             pipeline={"type": "string", "minLength": 1, "maxLength": 255,
                       "description": "only runs of this pipeline (as CI names it)"})),
    (NO_OPEN_DEFECTS, no_open_defects, "No open defects of a severity fixed in the release",
     "Met when no defect with severity max_severity or worse (1 is the worst) that is not done lists the "
     "release's version among its fix versions.",
     _params(required=("max_severity",), max_severity={
         "type": "integer", "minimum": 1, "maximum": 4, "description": "count defects of this severity and worse"})),
    (CHANGE_REQUEST_APPROVED, change_request_approved, "The release's change request is approved",
     "Met when a change request linked to the release (or the one with the given number) is approved and not "
     "cancelled; failed when the latest one was rejected.",
     _params(number={"type": "string", "minLength": 1, "maxLength": 60,
                      "description": "the change request's number (default: those linked to the release)"})),
    (SECURITY_SCAN_PASSED, security_scan_passed, "A security scan of the release passed",
     "Met when the latest finished job (by name or stage) or pipeline (by name) of the release's version that "
     "matches the pattern succeeded.",
     _params(pattern={"type": "string", "minLength": 1, "maxLength": 120,
                      "description": "a shell-style pattern, case-insensitive (default '*security*')"})),
]


def register() -> None:
    for key, evaluate, title, description, params_schema in RULES:
        registry.register(key, title=title, description=description, params_schema=params_schema,
                          evaluate=evaluate)
