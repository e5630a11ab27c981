"""The service page's own reads: deployments on a timeline with their outcome, the lead time
distribution and the incidents list, each for one service and window, never another tenant's."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from analytics.dora import selectors
from tests.environments.factories import EnvironmentFactory
from tests.factories import ServiceFactory
from tests.integrations.factories import (
    CommitFactory,
    DeploymentFactory,
    IncidentFactory,
)
from vsm.tenancy.context import tenant_context

UTC = ZoneInfo("UTC")
END = datetime(2025, 3, 31, tzinfo=UTC)
START = END - timedelta(days=30)


def at(days_before_end: float) -> datetime:
    return END - timedelta(days=days_before_end)


@pytest.fixture
def other_tenant(org_b):
    """Org B's service with the same slug and deployments in the same days."""
    service = ServiceFactory(organization=org_b, name="CANARY-B service", slug="payments-api")
    deployment = DeploymentFactory(organization=org_b, service=service, finished_at=at(5))
    CommitFactory(organization=org_b, service=service, committed_at=at(6), first_production_deployment=deployment)
    IncidentFactory(organization=org_b, service=service, opened_at=at(5))
    return service


@pytest.mark.django_db
def test_timeline_marks_each_deployment_by_outcome(org_a, payments_a, prod_a, other_tenant):
    staging = EnvironmentFactory(organization=org_a, name="Staging", slug="staging")

    def deploy(days, **kwargs):
        kwargs.setdefault("environment", prod_a)
        return DeploymentFactory(organization=org_a, service=payments_a, finished_at=at(days), **kwargs)

    deploy(40, version="too-old")
    deploy(10, version="plain")
    deploy(9, version="never-live", status="failed")
    deploy(8, version="status-rolled-back", status="rolled_back")
    undone = deploy(7, version="undone-later")
    deploy(6, version="the-rollback", kind="rollback", rollback_of=undone)
    harmful = deploy(5, version="caused-incident")
    IncidentFactory(organization=org_a, service=payments_a, opened_at=at(4.9), attributed_deployment=harmful)
    deploy(4, version="hotfix", kind="hotfix")
    deploy(3, version="on-staging", environment=staging)
    DeploymentFactory(organization=org_a, service=payments_a, environment=prod_a, version="running",
                      status="in_progress", finished_at=None, started_at=at(1))
    DeploymentFactory(organization=org_a, environment=prod_a, finished_at=at(2), version="other-service")

    with tenant_context(org_a):
        rows = selectors.service_deployment_timeline(service=payments_a, start=START, end=END)

    assert [(row["version"], row["outcome"], row["environment"]) for row in rows] == [
        ("plain", "succeeded", "Production"),
        ("never-live", "failed", "Production"),
        ("status-rolled-back", "rolled_back", "Production"),
        ("undone-later", "rolled_back", "Production"),
        ("the-rollback", "rollback", "Production"),
        ("caused-incident", "incident", "Production"),
        ("hotfix", "hotfix", "Production"),
        ("on-staging", "succeeded", "Staging"),
        ("running", "other", "Production"),
    ]


@pytest.mark.django_db
def test_timeline_keeps_the_newest_when_capped(org_a, payments_a, prod_a):
    for day in range(5):
        DeploymentFactory(organization=org_a, service=payments_a, environment=prod_a, finished_at=at(day + 1),
                          version=f"v{day}")

    with tenant_context(org_a):
        rows = selectors.service_deployment_timeline(service=payments_a, start=START, end=END, limit=3)

    assert [row["version"] for row in rows] == ["v2", "v1", "v0"]


@pytest.mark.django_db
def test_lead_time_histogram_buckets_by_level_edges(org_a, payments_a, prod_a, other_tenant):
    deployed = DeploymentFactory(organization=org_a, service=payments_a, environment=prod_a, finished_at=at(2))
    earlier = DeploymentFactory(organization=org_a, service=payments_a, environment=prod_a, finished_at=at(45))
    deploy_time = at(2)
    for hours in (0.5, 2, 10, 48, 120, 240, 1000,  # one per bucket, and one more below:
                  -3):  # committed after the deployment finished: a negative span, dropped
        CommitFactory(organization=org_a, service=payments_a, committed_at=deploy_time - timedelta(hours=hours),
                      first_production_deployment=deployed)
    # No commit time: the author time counts (3 h: the 1–4 h bucket).
    CommitFactory(organization=org_a, service=payments_a, committed_at=None,
                  authored_at=deploy_time - timedelta(hours=3), first_production_deployment=deployed)
    # First deployed before the window, and never deployed: not counted.
    CommitFactory(organization=org_a, service=payments_a, committed_at=at(46), first_production_deployment=earlier)
    CommitFactory(organization=org_a, service=payments_a, committed_at=at(1))

    with tenant_context(org_a):
        buckets = selectors.service_lead_time_histogram(service=payments_a, start=START, end=END)

    assert [(b["label"], b["changes"], b["level"]) for b in buckets] == [
        ("< 1 h", 1, "elite"), ("1–4 h", 2, "elite"), ("4–24 h", 1, "elite"), ("1–3 d", 1, "high"),
        ("3–7 d", 1, "high"), ("7–30 d", 1, "medium"), ("≥ 30 d", 1, "low"),
    ]


@pytest.mark.django_db
def test_incident_list_is_the_services_incidents_in_the_window(org_a, payments_a, other_tenant):
    newer = IncidentFactory(organization=org_a, service=payments_a, opened_at=at(1), number="INC2")
    older = IncidentFactory(organization=org_a, service=payments_a, opened_at=at(20), number="INC1")
    IncidentFactory(organization=org_a, service=payments_a, opened_at=at(31), number="INC-before")
    IncidentFactory(organization=org_a, opened_at=at(1), number="INC-other-service")

    with tenant_context(org_a):
        incidents = list(selectors.service_incident_list(service=payments_a, start=START, end=END))

    assert incidents == [newer, older]


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "found"),
                         [("payments-api", True), ("by-id", True), ("nope", False), ("999999", False)])
def test_service_get_by_slug_or_id(org_a, payments_a, other_tenant, key, found):
    with tenant_context(org_a):
        result = selectors.service_get(key=str(payments_a.pk) if key == "by-id" else key)

    assert (result == payments_a) if found else result is None


@pytest.mark.django_db
def test_service_get_never_finds_another_tenants_service_by_id(org_a, payments_a, other_tenant):
    with tenant_context(org_a):
        assert selectors.service_get(key=str(other_tenant.pk)) is None
