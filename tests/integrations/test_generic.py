"""The generic CI JSON: deployments and pipeline runs, strict about values, lenient about extras."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from integrations.connectors import generic
from integrations.connectors.base import PayloadError, SignatureError
from integrations.normalized import (
    DeploymentKind,
    DeploymentStatus,
    DeploymentStrategy,
    NormalizedCommit,
    NormalizedDeployment,
    NormalizedPipelineJob,
    NormalizedPipelineRun,
    RunStatus,
    Source,
)
from tests.integrations.support import utc

DEPLOYMENT = {
    "external_id": "deploy-4711", "service": "payments-api", "environment": "production", "status": "succeeded",
    "version": "2.4.1", "commit_sha": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "kind": "rollback",
    "rollback_of": "deploy-4702", "strategy": "canary", "started_at": "2024-05-01T10:00:00Z",
    "finished_at": "2024-05-01T12:04:12+02:00", "release": "2024.05", "pipeline_run": "build-981",
    "change_request": "CHG0031889", "triggered_by": "ci-bot", "url": "https://ci.example/run/1",
    "commits": [{"sha": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "committed_at": "2024-04-30T16:00:00Z",
                 "message": "Fix rounding"}],
    "some_future_field": {"ignored": True},
}
RUN = {
    "external_id": "build-981", "pipeline": "payments-api/main", "status": "failed", "service": "payments-api",
    "run_number": 981, "branch": "main", "commit_sha": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
    "trigger": "push", "started_at": "2024-05-01T09:50:00Z", "finished_at": "2024-05-01T09:58:30Z",
    "tests": {"passed": 410, "failed": 2, "skipped": 3}, "coverage": 87.5, "url": "https://ci.example/b/981",
    "pull_requests": [42],
    "jobs": [{"external_id": "981-unit", "name": "unit tests", "status": "failed", "stage": "test",
              "started_at": "2024-05-01T09:51:00Z", "finished_at": "2024-05-01T09:57:00Z"}],
}


def test_deployment():
    (deployment,) = generic.parse_webhook("deployment", {}, DEPLOYMENT).records

    assert deployment == NormalizedDeployment(
        source=Source.GENERIC, external_id="deploy-4711", service="payments-api", environment="production",
        status=DeploymentStatus.SUCCEEDED, status_raw="succeeded", version="2.4.1",
        commit_sha="0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", kind=DeploymentKind.ROLLBACK, rollback_of="deploy-4702",
        strategy=DeploymentStrategy.CANARY, started_at=utc(2024, 5, 1, 10), finished_at=utc(2024, 5, 1, 10, 4, 12),
        release="2024.05", pipeline_run_external_id="build-981", change_request="CHG0031889", triggered_by="ci-bot",
        url="https://ci.example/run/1",
        commits=(NormalizedCommit(source=Source.GENERIC,
                                  external_id="payments-api@0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
                                  service="payments-api", sha="0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
                                  message="Fix rounding", committed_at=utc(2024, 4, 30, 16)),))


def test_pipeline_run():
    (run,) = generic.parse_webhook("pipeline_run", {}, RUN).records

    assert run == NormalizedPipelineRun(
        source=Source.GENERIC, external_id="build-981", pipeline="payments-api/main", status=RunStatus.FAILED,
        status_raw="failed", service="payments-api", run_number=981, branch="main",
        commit_sha="0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", trigger="push", started_at=utc(2024, 5, 1, 9, 50),
        finished_at=utc(2024, 5, 1, 9, 58, 30), tests_passed=410, tests_failed=2, tests_skipped=3, coverage=87.5,
        url="https://ci.example/b/981", pull_request_numbers=(42,),
        jobs=(NormalizedPipelineJob(source=Source.GENERIC, external_id="981-unit", name="unit tests",
                                    status=RunStatus.FAILED, status_raw="failed", stage="test", service="payments-api",
                                    pipeline_run_external_id="build-981",
                                    commit_sha="0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", branch="main",
                                    started_at=utc(2024, 5, 1, 9, 51), finished_at=utc(2024, 5, 1, 9, 57)),))


@pytest.mark.parametrize(("event", "change", "field", "message"), [
    ("deployment", {"status": "done"}, "status", "'done' is not one of in_progress, succeeded"),
    ("deployment", {"service": ""}, "service", "is required"),
    ("deployment", {"environment": None}, "environment", "is required"),
    ("deployment", {"kind": "normal"}, "rollback_of", "only a deployment of kind 'rollback'"),
    ("deployment", {"finished_at": "2024-05-01T12:04:12"}, "finished_at", "has no UTC offset"),
    ("deployment", {"started_at": "yesterday"}, "started_at", "is not a timestamp"),
    ("deployment", {"commits": [{"message": "x"}]}, "commits[0].sha", "is required"),
    ("deployment", {"commits": "abc"}, "commits", "must be a list"),
    ("deployment", {"version": ["2"]}, "version", "must be a string"),
    ("pipeline_run", {"tests": {"passed": -1}}, "tests.passed", "non-negative integer"),
    ("pipeline_run", {"coverage": 140}, "coverage", "percentage from 0 to 100"),
    ("pipeline_run", {"jobs": [{"name": "x", "status": "ok"}]}, "jobs[0].status", "'ok' is not one of queued"),
    ("pipeline_run", {"jobs": [{"name": "x", "status": "queued"}]}, "jobs[0].external_id", "is required"),
    ("pipeline_run", {"pull_requests": ["42"]}, "pull_requests", "list of pull request numbers"),
])
def test_bad_values_name_the_field(event, change, field, message):
    body = (DEPLOYMENT if event == "deployment" else RUN) | change

    with pytest.raises(PayloadError, match=message) as error:
        generic.parse_webhook(event, {}, body)
    assert error.value.field == field
    assert str(error.value).startswith(field)


def test_numbers_are_accepted_as_text():
    (deployment,) = generic.parse_webhook("deployment", {}, DEPLOYMENT | {"external_id": 4711, "version": 3}).records
    assert (deployment.external_id, deployment.version) == ("4711", "3")


@pytest.mark.parametrize(("headers", "body", "event"), [({"X-Sluice-Event": "deployment"}, {}, "deployment"),
                                                        ({}, {"event": "pipeline_run"}, "pipeline_run"),
                                                        ({}, {"event": 7}, "")])
def test_event_name(headers, body, event):
    assert generic.event_name(headers, body) == event


def test_unknown_event_is_ignored():
    assert "'release' is not one Sluice reads" in generic.parse_webhook("release", {}, {}).ignored


def test_signature():
    raw = json.dumps(DEPLOYMENT).encode()
    good = "sha256=" + hmac.new(b"ci-secret", raw, hashlib.sha256).hexdigest()

    generic.verify_webhook({"X-Sluice-Signature-256": good}, raw, "ci-secret")
    with pytest.raises(SignatureError, match="does not match"):
        generic.verify_webhook({"X-Sluice-Signature-256": good}, raw + b" ", "ci-secret")
    with pytest.raises(SignatureError, match="missing X-Sluice-Signature-256"):
        generic.verify_webhook({}, raw, "ci-secret")
