"""The CI-facing record API: posting deployments, incidents, pipeline runs and commits (the
contract CI jobs depend on), and reading every record type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from integrations import tasks
from integrations.models import Commit, Deployment, DerivationPending, Incident, PipelineRun
from tests.celery_support import broker
from tests.integrations.factories import (
    ChangeRequestFactory,
    ChangeRequestServiceFactory,
    CommitFactory,
    DeploymentFactory,
    IncidentFactory,
    PipelineRunFactory,
    PullRequestFactory,
    WorkItemFactory,
)
from vsm.audit.models import AuditEvent
from vsm.catalog.models import Service
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db
URL = "/api/v1/orgs/acme/"
SHA = "9f3c2b7e1d4a5f60718293a4b5c6d7e8f9012345"


def body(**changes):
    """A deployment post; a None in ``changes`` leaves the key out."""
    data = {"service": "payments-api", "environment": "production", "version": "2.4.1", "commit_sha": SHA,
            "status": "succeeded", "started_at": "2025-03-04T18:00:00Z", "finished_at": "2025-03-04T18:04:12Z",
            "commits": [{"sha": SHA, "committed_at": "2025-03-04T15:12:00Z", "message": "PAY-312 fix"}],
            **changes}
    return {key: value for key, value in data.items() if value is not None}


def test_a_deployment_started_then_finished_is_one_deployment(api_a, org_a, org_b, in_org, prod_a, payments_a):
    started = api_a.post(f"{URL}deployments/", body(status="in_progress", finished_at=None, external_id="gha-1"),
                         format="json")
    finished = api_a.post(f"{URL}deployments/", body(external_id="gha-1", version=None), format="json")
    assert (started.status_code, finished.status_code) == (201, 200)
    assert started.json()["id"] == finished.json()["id"]
    data = finished.json()
    assert (data["status"], data["version"], data["service"], data["environment"]) == (
        "succeeded", "2.4.1", "payments-api", "production")
    assert (data["is_production"], data["commits"], data["source"]) == (True, [SHA], "api")
    with in_org(org_a):
        assert Deployment.objects.count() == 1
        assert list(AuditEvent.objects.filter(action__startswith="deployment.").values_list("action", "actor_label")
                    .order_by("id")) == [("deployment.recorded", "token:ci"), ("deployment.updated", "token:ci")]
    with in_org(org_b):
        assert not Deployment.objects.exists()


@pytest.mark.parametrize(("headers", "expected_rows"), [
    ({"HTTP_IDEMPOTENCY_KEY": "job-77"}, 1),
    ({}, 2),
], ids=["same-idempotency-key", "no-key"])
def test_without_external_id_the_idempotency_key_decides(api_a, org_a, in_org, prod_a, payments_a, headers,
                                                         expected_rows):
    first = api_a.post(f"{URL}deployments/", body(), format="json", **headers)
    second = api_a.post(f"{URL}deployments/", body(), format="json", **headers)
    assert first.status_code == 201 and second.status_code == (200 if expected_rows == 1 else 201)
    with in_org(org_a):
        assert Deployment.objects.count() == expected_rows


def test_an_unknown_service_is_created_and_audited(api_a, org_a, in_org, prod_a):
    response = api_a.post(f"{URL}deployments/", body(service="octo/checkout-web"), format="json")
    assert response.status_code == 201 and response.json()["service"] == "checkout-web"
    with in_org(org_a):
        service = Service.objects.get(slug="checkout-web")
        assert AuditEvent.objects.filter(action="service.created_from_delivery", object_id=str(service.pk),
                                         actor_label="token:ci").exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"environment": "prod-eu"}, "environment"),
    ({"status": "done"}, "status"),
    ({"kind": "revert"}, "kind"),
    ({"commit_sha": "not-a-sha"}, "commit_sha"),
    ({"started_at": "2025-03-04T18:10:00Z"}, "finished_at"),
    ({"finished_at": "yesterday"}, "finished_at"),
    ({"rollback_of": "gha-1"}, "rollback_of"),
    ({"release": "no-such-release"}, "release"),
    ({"service": ""}, "service"),
    ({"commits": [{"sha": "xyz"}]}, "commits[0].sha"),
    ({"strategy": "big-bang"}, "strategy"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_bad_deployment_input_names_its_field(api_a, org_a, in_org, prod_a, payments_a, changes, field):
    response = api_a.post(f"{URL}deployments/", body(**changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    with in_org(org_a):
        assert not Deployment.objects.exists()


def test_a_rollback_names_its_target_by_sluice_id_or_external_id(api_a, prod_a, payments_a):
    target = api_a.post(f"{URL}deployments/", body(external_id="gha-1"), format="json").json()
    by_id = api_a.post(f"{URL}deployments/", body(kind="rollback", rollback_of=str(target["id"]), version="2.4.0"),
                       format="json").json()
    by_external = api_a.post(f"{URL}deployments/", body(kind="rollback", rollback_of="gha-1"), format="json").json()
    assert by_id["rollback_of"] == by_external["rollback_of"] == target["id"]


def test_the_release_is_named_by_id_or_version(api_a, org_a, prod_a, payments_a):
    from tests.releases.factories import ReleaseFactory

    release = ReleaseFactory(organization=org_a, version="2025.03")
    for name in (str(release.pk), "2025.03"):
        assert api_a.post(f"{URL}deployments/", body(release=name), format="json").json()["release"] == release.pk


def test_viewers_may_read_but_not_record(api_as, org_a, token_factory, prod_a, payments_a):
    viewer = api_as(Role.VIEWER)
    assert viewer.post(f"{URL}deployments/", body(), format="json").status_code == 403
    assert viewer.get(f"{URL}deployments/").status_code == 200


def test_an_incident_names_the_deployment_a_post_returned(api_a, org_a, in_org, prod_a, payments_a):
    deployment = api_a.post(f"{URL}deployments/", body(), format="json").json()
    incident = {"external_id": "pd-1", "title": "Checkout returns 502", "service": "payments-api",
                "environment": "production", "severity": 2, "opened_at": "2025-03-04T18:20:00Z",
                "caused_by_deployment": deployment["id"]}
    created = api_a.post(f"{URL}incidents/", incident, format="json")
    resolved = api_a.post(f"{URL}incidents/", {"external_id": "pd-1", "title": "Checkout returns 502",
                                               "resolved_at": "2025-03-04T19:00:00Z"}, format="json")
    assert (created.status_code, resolved.status_code) == (201, 200)
    data = resolved.json()
    assert (data["caused_by_deployment"], data["status"], data["severity"], data["service"]) == (
        deployment["id"], "resolved", 2, "payments-api")
    with in_org(org_a):
        assert Incident.objects.count() == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"caused_by_deployment": 999999}, "caused_by_deployment"),
    ({"service": "no-such-service"}, "service"),
    ({"environment": "mars"}, "environment"),
    ({"severity": 5}, "severity"),
    ({"resolved_at": "2025-03-04T17:00:00Z"}, "resolved_at"),
    ({"title": ""}, "title"),
])
def test_bad_incident_input_names_its_field(api_a, prod_a, payments_a, changes, field):
    incident = {"title": "Down", "opened_at": "2025-03-04T18:20:00Z", **changes}
    response = api_a.post(f"{URL}incidents/", incident, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_a_deployment_of_another_organization_is_an_unknown_cause(api_a, org_b, prod_a, payments_a):
    other = DeploymentFactory(organization=org_b)
    response = api_a.post(f"{URL}incidents/", {"title": "Down", "caused_by_deployment": other.pk}, format="json")
    assert response.status_code == 400 and "caused_by_deployment" in response.json()["error"]["fields"]


def test_a_pipeline_run_is_recorded_once_per_external_id(api_a, org_a, in_org):
    run = {"external_id": "b-981", "pipeline": "payments-api/ci", "status": "in_progress",
           "service": "payments-api", "branch": "main", "commit_sha": SHA, "version": "2.4.1",
           "started_at": "2025-03-04T17:40:00Z"}
    first = api_a.post(f"{URL}pipeline-runs/", run, format="json")
    done = api_a.post(f"{URL}pipeline-runs/", {**run, "status": "succeeded", "finished_at": "2025-03-04T17:52:00Z",
                                               "tests": {"passed": 412, "failed": 0, "skipped": 3},
                                               "coverage": 87.5}, format="json")
    assert (first.status_code, done.status_code) == (201, 200)
    data = done.json()
    assert (data["tests_passed"], data["tests_failed"], data["coverage"], data["version"]) == (412, 0, 87.5, "2.4.1")
    with in_org(org_a):
        assert PipelineRun.objects.count() == 1
    bad = api_a.post(f"{URL}pipeline-runs/", {**run, "coverage": 120, "tests": {"passed": -1}}, format="json")
    assert bad.status_code == 400 and {"coverage", "tests.passed"} <= set(bad.json()["error"]["fields"])


@pytest.mark.parametrize(("changes", "field"), [
    ({"run_number": 2**63}, "run_number"),
    ({"tests": {"failed": 2**31}}, "tests.failed"),
    ({"pull_requests": [2**31]}, "pull_requests"),
    ({"tests": [1]}, "tests"),
    ({"pull_requests": "42"}, "pull_requests"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_a_pipeline_run_value_out_of_range_is_a_400_naming_it(api_a, changes, field):
    run = {"external_id": "gha-8812", "pipeline": "payments-api/ci", "status": "succeeded", **changes}
    response = api_a.post(f"{URL}pipeline-runs/", run, format="json")
    assert response.status_code == 400 and any(name.startswith(field) for name in response.json()["error"]["fields"])


def test_commits_are_recorded_by_sha(api_a, org_a, in_org):
    payload = {"service": "payments-api", "commits": [{"sha": SHA, "message": "PAY-312 fix"},
                                                      {"sha": "a" * 40, "committed_at": "2025-03-04T15:00:00Z"}]}
    first = api_a.post(f"{URL}commits/", payload, format="json")
    again = api_a.post(f"{URL}commits/", payload, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert [c["sha"] for c in again.json()] == [SHA, "a" * 40]
    with in_org(org_a):
        assert Commit.objects.count() == 2


def test_an_unreachable_broker_still_records_the_deployment_and_the_sweep_catches_up(
        api_a, org_a, in_org, prod_a, payments_a, derive_calls, django_capture_on_commit_callbacks):
    with broker("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        response = api_a.post(f"{URL}deployments/", body(), format="json")
    assert response.status_code == 201 and derive_calls == []
    with in_org(org_a):
        assert Deployment.objects.filter(pk=response.json()["id"]).exists()
        DerivationPending.objects.update(marked_at=timezone.now() - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.delivery_derive_sweep()
    assert derive_calls == [(payments_a.pk, datetime(2025, 3, 4, 15, 12, tzinfo=UTC))]
    with in_org(org_a):
        assert not DerivationPending.objects.exists()


LISTS = {
    "deployments": lambda org: DeploymentFactory(organization=org),
    "incidents": lambda org: IncidentFactory(organization=org),
    "pipeline-runs": lambda org: PipelineRunFactory(organization=org),
    "commits": lambda org: CommitFactory(organization=org),
    "pull-requests": lambda org: PullRequestFactory(organization=org),
    "work-items": lambda org: WorkItemFactory(organization=org),
    "change-requests": lambda org: ChangeRequestFactory(organization=org),
}


@pytest.mark.parametrize("kind", LISTS)
def test_lists_are_paginated_in_constant_queries_and_show_one_tenant(api_a, org_a, org_b, kind,
                                                                      django_assert_max_num_queries):
    LISTS[kind](org_b)
    rows = [LISTS[kind](org_a) for _ in range(3)]
    with django_assert_max_num_queries(8) as few:
        api_a.get(f"{URL}{kind}/")
    for _ in range(12):
        LISTS[kind](org_a)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api_a.get(f"{URL}{kind}/?page_size=10")
    data = response.json()
    assert response.status_code == 200 and data["count"] == 15 and len(data["results"]) == 10
    detail = api_a.get(f"{URL}{kind}/{rows[0].pk}/")
    assert detail.status_code == 200 and detail.json()["id"] == rows[0].pk


@pytest.mark.parametrize(("query", "expected"), [
    ("service=payments-api", ["2.0.0", "1.0.0"]),
    ("environment=staging", ["3.0.0"]),
    ("status=failed", ["2.0.0"]),
    ("production=true", ["2.0.0", "1.0.0"]),
    ("since=2025-03-02T00:00:00Z", ["3.0.0", "2.0.0"]),
    ("until=2025-03-02T00:00:00Z", ["1.0.0"]),
])
def test_deployments_filter(api_a, org_a, prod_a, payments_a, query, expected):
    from tests.environments.factories import EnvironmentFactory
    from tests.integrations.support import utc

    staging = EnvironmentFactory(organization=org_a, slug="staging")
    DeploymentFactory(organization=org_a, service=payments_a, environment=prod_a, version="1.0.0",
                      finished_at=utc(2025, 3, 1))
    DeploymentFactory(organization=org_a, service=payments_a, environment=prod_a, version="2.0.0", status="failed",
                      finished_at=utc(2025, 3, 2))
    DeploymentFactory(organization=org_a, environment=staging, version="3.0.0", finished_at=utc(2025, 3, 3))
    response = api_a.get(f"{URL}deployments/?{query}")
    assert [d["version"] for d in response.json()["results"]] == expected


@pytest.mark.parametrize("query", [
    "status=nope", "since=later", "since=2025-03-02T00:00:00Z&until=2025-03-01T00:00:00Z"])
def test_a_bad_filter_is_a_400_naming_it(api_a, query):
    response = api_a.get(f"{URL}deployments/?{query}")
    assert response.status_code == 400 and response.json()["error"]["fields"]


def test_an_until_before_since_is_refused_naming_until(api_a):
    response = api_a.get(f"{URL}incidents/?since=2025-03-02T00:00:00Z&until=2025-03-01T00:00:00Z")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"until": ["Must not be before since."]}


def test_a_time_without_its_utc_offset_is_refused(api_a):
    response = api_a.get(f"{URL}commits/?since=2025-03-02T00:00:00")
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["since"]


def test_change_requests_by_a_service_they_name(api_a, org_a, payments_a):
    both = ChangeRequestFactory(organization=org_a, number="CHG0000100")
    ChangeRequestServiceFactory(organization=org_a, change_request=both, service=payments_a)
    ChangeRequestServiceFactory(organization=org_a, change_request=both)
    ChangeRequestServiceFactory(organization=org_a, change_request=ChangeRequestFactory(organization=org_a))
    response = api_a.get(f"{URL}change-requests/?service=payments-api")
    assert [row["number"] for row in response.json()["results"]] == ["CHG0000100"]


def test_commits_by_a_sha_prefix_in_either_case(api_a, org_a):
    CommitFactory(organization=org_a, sha=SHA)
    CommitFactory(organization=org_a, sha="a" * 40)
    response = api_a.get(f"{URL}commits/?sha=9F3C2B7")
    assert [row["sha"] for row in response.json()["results"]] == [SHA]


def test_work_items_are_windowed_by_their_last_update(api_a, org_a):
    from tests.integrations.support import utc

    WorkItemFactory(organization=org_a, key="PAY-1", updated_at=utc(2025, 3, 1))
    WorkItemFactory(organization=org_a, key="PAY-2", updated_at=utc(2025, 3, 2))
    WorkItemFactory(organization=org_a, key="PAY-3", updated_at=utc(2025, 3, 3))
    response = api_a.get(f"{URL}work-items/?since=2025-03-02T00:00:00Z&until=2025-03-03T00:00:00Z")
    assert [row["key"] for row in response.json()["results"]] == ["PAY-2"]
