"""Helpers of the ingestion tests: normalized records with sensible defaults."""

from __future__ import annotations

from dataclasses import replace

from integrations import normalized as n
from tests.integrations.support import utc

T0 = utc(2024, 5, 1, 10, 0)


def deployment(external_id: str = "d-1", **changes) -> n.NormalizedDeployment:
    base = n.NormalizedDeployment(
        source=n.Source.GENERIC, external_id=external_id, service="payments-api", environment="production",
        status=n.DeploymentStatus.SUCCEEDED, status_raw="success", version="2.4.1", commit_sha="a" * 40,
        started_at=T0, finished_at=utc(2024, 5, 1, 10, 4))
    return replace(base, **changes)


def commit(sha: str, **changes) -> n.NormalizedCommit:
    base = n.NormalizedCommit(source=n.Source.GENERIC, external_id=f"payments-api@{sha}", service="payments-api",
                              sha=sha, message="Fix", committed_at=utc(2024, 4, 30, 9))
    return replace(base, **changes)


def transition(external_id: str, at, to_status: str, category: n.StatusCategory) -> n.NormalizedTransition:
    return n.NormalizedTransition(external_id=external_id, at=at, from_status=None, to_status=to_status,
                                  from_category=None, to_category=category)


def work_item(external_id: str = "10001", transitions=(), **changes) -> n.NormalizedWorkItem:
    base = n.NormalizedWorkItem(
        source=n.Source.JIRA, external_id=external_id, key="PAY-1", title="Checkout", type_raw="Story",
        flow_type=n.FlowType.FEATURE, status_raw="In Progress", status_category=n.StatusCategory.IN_PROGRESS,
        transitions=tuple(transitions))
    return replace(base, **changes)


def incident(external_id: str = "inc-1", **changes) -> n.NormalizedIncident:
    base = n.NormalizedIncident(source=n.Source.SERVICENOW, external_id=external_id, number="INC0001",
                                title="Checkout down", status=n.IncidentStatus.OPEN, status_raw="1", severity=2,
                                service="payments-api", opened_at=utc(2024, 5, 1, 11))
    return replace(base, **changes)


def change_request(external_id: str = "chg-1", **changes) -> n.NormalizedChangeRequest:
    base = n.NormalizedChangeRequest(
        source=n.Source.SERVICENOW, external_id=external_id, number="CHG0031889", title="Deploy 2.4.1",
        type=n.ChangeType.NORMAL, type_raw="normal", state=n.ChangeState.SCHEDULED, state_raw="-2",
        approval=n.Approval.APPROVED, approval_raw="approved", services=("payments-api",))
    return replace(base, **changes)


def pipeline_run(external_id: str = "run-1", **changes) -> n.NormalizedPipelineRun:
    base = n.NormalizedPipelineRun(source=n.Source.GENERIC, external_id=external_id, pipeline="build",
                                   status=n.RunStatus.SUCCEEDED, status_raw="success", service="payments-api",
                                   run_number=7, started_at=T0)
    return replace(base, **changes)
