"""records_ingest: upserts, "None means unknown", resolution of names to catalog rows, links
between records, the derivation marker, query counts and tenant isolation."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from integrations import normalized as n
from integrations.models import (
    ChangeRequestService,
    Commit,
    Deployment,
    DeploymentCommit,
    DerivationPending,
    Incident,
    PipelineJob,
    PipelineRun,
    WorkItem,
    WorkItemTransition,
)
from integrations.services.ingest import records_ingest
from tests.environments.factories import EnvironmentFactory
from tests.factories import ServiceFactory
from tests.integrations.factories import ConnectionFactory, ProductionEnvironmentFactory
from tests.integrations.ingest_support import (
    T0,
    change_request,
    commit,
    deployment,
    incident,
    pipeline_run,
    transition,
    work_item,
)
from tests.integrations.support import utc
from vsm.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_deployment_is_stored_with_its_catalog_rows_and_a_replay_changes_nothing(
        org_a, org_b, in_org, prod_a, payments_a):
    with in_org(org_a):
        first = records_ingest(connection=None, records=[deployment()])
        again = records_ingest(connection=None, records=[deployment()])
        row = Deployment.objects.select_related("service", "environment").get()
    assert (first.created, first.updated, first.unchanged) == (1, 0, 0)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert first.ids == {"deployment": {"d-1": row.pk}} and first.was_created("deployment", "d-1")
    assert (row.source, row.connection_id, row.service, row.environment) == ("api", None, payments_a, prod_a)
    assert (row.is_production, row.version, row.status, row.environment_name) == (True, "2.4.1", "succeeded",
                                                                                 "production")
    assert row.last_seen_at >= row.first_seen_at
    with in_org(org_b):
        assert not Deployment.objects.exists()


def test_none_never_overwrites_a_stored_value(org_a, in_org, prod_a, payments_a):
    with in_org(org_a):
        records_ingest(connection=None, records=[deployment(status=n.DeploymentStatus.IN_PROGRESS, finished_at=None)])
        result = records_ingest(connection=None, records=[deployment(version=None, commit_sha=None, started_at=None)])
        row = Deployment.objects.get()
    assert (result.created, result.updated) == (0, 1)
    assert (row.version, row.commit_sha, row.started_at) == ("2.4.1", "a" * 40, T0)
    assert (row.status, row.finished_at) == ("succeeded", utc(2024, 5, 1, 10, 4))


def test_two_records_of_one_deployment_in_a_batch_merge(org_a, in_org, prod_a, payments_a):
    started = deployment(status=n.DeploymentStatus.IN_PROGRESS, finished_at=None, triggered_by="ci-bot")
    finished = deployment(version=None, triggered_by=None)
    with in_org(org_a):
        result = records_ingest(connection=None, records=[started, finished])
        row = Deployment.objects.get()
    assert (result.created, result.updated) == (1, 0)
    assert (row.status, row.version, row.triggered_by) == ("succeeded", "2.4.1", "ci-bot")


@pytest.mark.parametrize(("raw", "how"), [
    ("payments-api", "slug"),
    ("PAYMENTS API", "name"),
    ("octo-org/payments-api", "last segment"),
    ("group/sub/payments-api", "project path"),
    ("acme/pay-svc", "repository url"),
])
def test_a_service_is_found_by_every_name_a_source_uses(org_a, in_org, prod_a, raw, how):
    with in_org(org_a):
        service = ServiceFactory(organization=org_a, name="Payments API", slug="payments-api",
                                 repository_url="https://github.com/acme/pay-svc.git")
        records_ingest(connection=None, records=[deployment(service=raw)])
        assert Deployment.objects.get().service == service, how
        assert not AuditEvent.objects.filter(action="service.created_from_delivery").exists()


def test_an_unknown_service_is_created_once_and_audited(org_a, in_org, prod_a):
    connection = ConnectionFactory(organization=org_a, kind="github")
    with in_org(org_a):
        records_ingest(connection=connection, records=[deployment("1", service="octo-org/Checkout-Web"),
                                                       deployment("2", service="octo-org/Checkout-Web")])
        records_ingest(connection=connection, records=[deployment("3", service="checkout-web")])
        [event] = AuditEvent.objects.filter(action="service.created_from_delivery")
        service = Deployment.objects.get(external_id="1").service
        assert set(Deployment.objects.values_list("service_id", flat=True)) == {service.pk}
        assert (service.name, service.slug) == ("Checkout-Web", "checkout-web")
        assert (event.object_id, event.actor_label) == (str(service.pk), "system:ingest:github")


def test_an_unknown_environment_is_kept_by_name(org_a, in_org, payments_a):
    with in_org(org_a):
        EnvironmentFactory(organization=org_a, name="Staging", slug="stage", is_production=False)
        records_ingest(connection=None, records=[deployment("1", environment="github-pages"),
                                                 deployment("2", environment="STAGING")])
        unknown, staging = Deployment.objects.get(external_id="1"), Deployment.objects.get(external_id="2")
        assert (unknown.environment, unknown.environment_name, unknown.is_production) == (None, "github-pages", False)
        assert (staging.environment.slug, staging.is_production) == ("stage", False)


@pytest.mark.parametrize("target_first", [True, False], ids=["target-first", "rollback-first"])
def test_a_rollback_links_to_its_target_whichever_arrives_first(org_a, in_org, prod_a, payments_a, target_first):
    target = deployment("d-1")
    rollback = deployment("d-2", kind=n.DeploymentKind.ROLLBACK, rollback_of="d-1", version="2.4.0")
    with in_org(org_a):
        for record in ([target, rollback] if target_first else [rollback, target]):
            records_ingest(connection=None, records=[record])
        row = Deployment.objects.get(external_id="d-2")
        assert (row.rollback_of.external_id, row.rollback_of_external_id) == ("d-1", "d-1")


def test_release_pipeline_run_and_change_request_are_linked(org_a, in_org, prod_a, payments_a):
    from tests.releases.factories import ReleaseFactory

    with in_org(org_a):
        release = ReleaseFactory(organization=org_a, name="Payments 2024.05", version="2024.05")
        records_ingest(connection=None, records=[pipeline_run("run-9")])
        records_ingest(connection=None, records=[deployment(
            release="2024.05", pipeline_run_external_id="run-9", change_request="CHG0031889")])
        row = Deployment.objects.get()
        assert (row.release, row.pipeline_run.external_id, row.change_request) == (release, "run-9", None)
        # The change arrives later, from ServiceNow: the deployment that named it links to it.
        records_ingest(connection=ConnectionFactory(organization=org_a, kind="servicenow"),
                       records=[change_request()])
        row.refresh_from_db()
        assert row.change_request.number == "CHG0031889"
        assert list(ChangeRequestService.objects.values_list("service_id", flat=True)) == [payments_a.pk]


def test_deployment_commits_are_upserted_by_service_and_sha_and_linked_once(org_a, in_org, prod_a, payments_a):
    listed = deployment(commits=(commit("b" * 40), commit("c" * 40, message=None)))
    with in_org(org_a):
        records_ingest(connection=None, records=[commit("c" * 40, message="Known message")])
        first = records_ingest(connection=None, records=[listed])
        again = records_ingest(connection=None, records=[listed])
        assert Commit.objects.count() == 2 and DeploymentCommit.objects.count() == 2
        assert Commit.objects.get(sha="c" * 40).message == "Known message"
        assert set(Deployment.objects.get().commits.values_list("sha", flat=True)) == {"b" * 40, "c" * 40}
    assert (first.created, again.created, again.updated, again.unchanged) == (1, 0, 0, 1)


def test_work_item_histories_merge_and_flow_start_uses_the_stored_history(org_a, in_org):
    todo, doing, done = n.StatusCategory.TODO, n.StatusCategory.IN_PROGRESS, n.StatusCategory.DONE
    late = transition("h2", utc(2024, 5, 3), "In Progress", doing)
    early = transition("h1", utc(2024, 5, 2), "In Review", doing)
    with in_org(org_a):
        records_ingest(connection=None, source="jira", records=[work_item(transitions=[late])])
        assert WorkItem.objects.get().started_at == utc(2024, 5, 3)
        # A sync later brings the earlier part of the history, and a webhook repeats one change.
        result = records_ingest(connection=None, source="jira", records=[
            work_item(transitions=[early, late, transition("h0", utc(2024, 5, 1), "To Do", todo)]),
            work_item(transitions=[late])])
        item = WorkItem.objects.get()
        assert list(WorkItemTransition.objects.values_list("external_id", flat=True)) == ["h0", "h1", "h2"]
        assert (item.started_at, result.updated) == (utc(2024, 5, 2), 1)
        replay = records_ingest(connection=None, source="jira", records=[work_item(transitions=[early, late])])
        assert (replay.updated, replay.unchanged, WorkItemTransition.objects.count()) == (0, 1, 3)
        records_ingest(connection=None, source="jira", records=[
            work_item(transitions=[transition("h3", utc(2024, 5, 4), "Done", done)])])
        assert WorkItem.objects.get().started_at == utc(2024, 5, 2)


@pytest.mark.parametrize("named_by", ["external_id", "sluice_id"])
def test_an_incident_names_its_deployment(org_a, in_org, prod_a, payments_a, named_by):
    from integrations.services.records import ApiIncident

    with in_org(org_a):
        records_ingest(connection=None, records=[deployment("d-7")])
        target = Deployment.objects.get()
        record = (incident(caused_by_deployment="d-7") if named_by == "external_id"
                  else ApiIncident(**{f.name: getattr(incident(), f.name) for f in fields(incident())},
                                   caused_by_deployment_id=target.pk))
        records_ingest(connection=None, records=[record])
        row = Incident.objects.get()
        assert (row.caused_by_deployment, row.service, row.severity) == (target, payments_a, 2)


def test_pipeline_jobs_join_their_run_whichever_arrives_first(org_a, in_org, payments_a):
    lone = n.NormalizedPipelineJob(source=n.Source.GITHUB, external_id="job-2", name="deploy",
                                   status=n.RunStatus.SUCCEEDED, status_raw="success", pipeline_run_external_id="r")
    embedded = replace(lone, external_id="job-1", name="unit", pipeline_run_external_id=None)
    with in_org(org_a):
        records_ingest(connection=None, records=[lone])
        assert PipelineJob.objects.get().run is None
        records_ingest(connection=None, records=[pipeline_run("r", jobs=(embedded,))])
        run = PipelineRun.objects.get()
        assert sorted(run.jobs.values_list("name", flat=True)) == ["deploy", "unit"]


def test_the_derivation_marker_keeps_the_earliest_time_and_a_replay_adds_none(
        org_a, in_org, prod_a, payments_a, django_capture_on_commit_callbacks):
    with in_org(org_a):
        with django_capture_on_commit_callbacks() as queued:
            records_ingest(connection=None, records=[deployment("d-1")])
        marker = DerivationPending.objects.get()
        assert (marker.service, marker.since, len(queued)) == (payments_a, T0, 1)
        records_ingest(connection=None, records=[deployment("d-0", started_at=utc(2024, 4, 1), finished_at=None)])
        records_ingest(connection=None, records=[deployment("d-9", started_at=utc(2024, 6, 1))])
        assert DerivationPending.objects.get().since == utc(2024, 4, 1)
        DerivationPending.objects.all().delete()
        with django_capture_on_commit_callbacks() as queued:
            records_ingest(connection=None, records=[deployment("d-1")])
        assert (DerivationPending.objects.count(), queued) == (0, [])


def test_one_batch_costs_the_same_queries_for_ten_or_fifty_records(
        org_a, in_org, prod_a, payments_a, django_assert_max_num_queries):
    def batch(size, prefix):
        return [deployment(f"{prefix}-{i}", commits=(commit(f"{prefix}{i:039x}"[:40]),)) for i in range(size)]

    with in_org(org_a):
        records_ingest(connection=None, records=batch(1, "warm"))  # the marker row exists from here on
        with django_assert_max_num_queries(30) as small:
            records_ingest(connection=None, records=batch(10, "a"))
        with django_assert_max_num_queries(len(small.captured_queries)):
            records_ingest(connection=None, records=batch(50, "b"))
        assert Deployment.objects.count() == 61 and DeploymentCommit.objects.count() == 61


def test_the_same_external_id_in_two_organizations_is_two_rows(org_a, org_b, in_org):
    for org in (org_a, org_b):
        with in_org(org):
            ProductionEnvironmentFactory(organization=org, slug="production")
            records_ingest(connection=None, records=[deployment("shared")])
    for org in (org_a, org_b):
        with in_org(org):
            row = Deployment.objects.get()
            assert row.service.organization_id == org.pk and row.environment.organization_id == org.pk
