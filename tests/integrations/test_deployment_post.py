"""POST deployments/ written in one statement (integrations/services/deployment_post.py): the
same rules as records_ingest, in a bounded number of queries."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.serializers import ModelSerializer

from integrations.api.records_serializers import DeploymentDetailSerializer
from integrations.models import Commit, Deployment, DerivationPending
from integrations.selectors import deployment_get
from integrations.services import deployment_post
from tests.factories import ServiceFactory
from tests.integrations.factories import (
    ChangeRequestFactory,
    CommitFactory,
    DeploymentCommitFactory,
    DeploymentFactory,
    PipelineRunFactory,
    ProductionEnvironmentFactory,
)
from tests.releases.factories import ReleaseFactory
from vsm.audit.models import AuditEvent
from vsm.audit.services import snapshot
from vsm.audit.statements import snapshot_sql
from vsm.tenancy.actor import TOKEN_LABEL_PREFIX
from vsm.tenancy.models import ApiToken

pytestmark = pytest.mark.django_db
URL = "/api/v1/orgs/acme/deployments/"
SHA = "9f3c2b7e1d4a5f60718293a4b5c6d7e8f9012345"
OTHER = "1111111111111111111111111111111111111111"


@pytest.fixture
def catalog_a(org_a):
    ProductionEnvironmentFactory(organization=org_a, name="Production EU", slug="production")
    return ServiceFactory(organization=org_a, name="Payments API", slug="payments-api")


def body(**changes):
    data = {"service": "payments-api", "environment": "production", "version": "2.4.1", "commit_sha": SHA,
            "status": "succeeded", "external_id": "gha-1", "finished_at": "2025-03-04T18:04:12Z",
            "commits": [{"sha": SHA, "committed_at": "2025-03-04T15:12:00Z", "message": "PAY-312 fix"}], **changes}
    return {key: value for key, value in data.items() if value is not None}


def test_a_post_is_one_statement_besides_the_request(api_a, catalog_a, django_assert_max_num_queries):
    # The first post on a connection also prepares the statement (and notes the token's use).
    assert api_a.post(URL, body(external_id="gha-0"), format="json").status_code == 201
    # Then: organization, token, tenant context and its reset (as for every API request), and the
    # statement, which writes the audit event too; no transaction (savepoint here) around it.
    for expected, changes in ((201, {}), (200, {"status": "failed"}), (200, {})):
        with django_assert_max_num_queries(5) as captured:
            assert api_a.post(URL, body(**changes), format="json").status_code == expected
        delivery = [q["sql"] for q in captured.captured_queries if "integrations_" in q["sql"]
                    or "audit" in q["sql"] or q["sql"].startswith(("EXECUTE", "SAVEPOINT"))]
        assert [sql.removeprefix("EXECUTE ").split("(")[0].rsplit("_", 1)[0] for sql in delivery] == [
            "deployment_post"]


def test_names_resolve_by_slug_or_name_in_any_case(api_a, org_a, in_org, catalog_a):
    response = api_a.post(URL, body(service="PAYMENTS API", environment="production eu"), format="json")
    assert response.status_code == 201
    data = response.json()
    assert (data["service"], data["environment"], data["environment_name"], data["is_production"],
            data["commits"]) == ("payments-api", "production", "production", True, [SHA])
    with in_org(org_a):
        assert list(Deployment.objects.values_list("service_id", flat=True)) == [catalog_a.pk]


def test_a_replay_only_touches_last_seen_and_an_unsaid_value_keeps_the_stored_one(api_a, org_a, in_org, catalog_a):
    first = api_a.post(URL, body(url="https://ci.example.com/runs/1", triggered_by="jdoe"), format="json").json()
    with in_org(org_a):
        DerivationPending.objects.all().delete()
    replay = api_a.post(URL, body(commits=[{"sha": SHA, "message": ""}]), format="json")
    assert replay.status_code == 200
    data = replay.json()
    assert (data["id"], data["url"], data["triggered_by"]) == (first["id"], "https://ci.example.com/runs/1", "jdoe")
    assert data["last_seen_at"] > first["last_seen_at"]
    with in_org(org_a):
        assert not DerivationPending.objects.exists()
        assert Commit.objects.get().message == "PAY-312 fix"
        assert list(AuditEvent.objects.filter(action__startswith="deployment.").values_list("action", flat=True)) \
            == ["deployment.recorded"]


def test_a_grown_commit_list_is_an_update_marked_from_the_earliest_time(api_a, org_a, in_org, catalog_a):
    api_a.post(URL, body(), format="json")
    with in_org(org_a):
        DerivationPending.objects.all().delete()
    grown = api_a.post(URL, body(commits=[{"sha": OTHER, "authored_at": "2025-03-01T09:00:00Z"}]), format="json")
    assert grown.status_code == 200
    assert grown.json()["commits"] == [OTHER, SHA]  # newest first, a commit without a time before them
    with in_org(org_a):
        assert DerivationPending.objects.get(service=catalog_a).since == datetime(2025, 3, 1, 9, tzinfo=UTC)
        assert Deployment.objects.get().commits.count() == 2
        assert list(AuditEvent.objects.filter(action__startswith="deployment.").values_list("action", flat=True)
                    .order_by("id")) == ["deployment.recorded", "deployment.updated"]


def test_a_stored_rollback_is_linked_when_its_target_arrives(api_a, org_a, in_org, catalog_a):
    rollback = api_a.post(URL, body(external_id="gha-2", kind="rollback", rollback_of="gha-1"), format="json")
    assert rollback.json()["rollback_of"] is None
    target = api_a.post(URL, body(), format="json").json()
    with in_org(org_a):
        assert Deployment.objects.get(external_id="gha-2").rollback_of_id == target["id"]


def test_names_of_another_organization_are_not_used(api_a, org_a, org_b, in_org, catalog_a):
    ProductionEnvironmentFactory(organization=org_b, name="Staging", slug="staging")
    ServiceFactory(organization=org_b, name="Ledger", slug="ledger")
    response = api_a.post(URL, body(environment="staging"), format="json")
    assert response.status_code == 400 and "environment" in response.json()["error"]["fields"]
    assert api_a.post(URL, body(service="ledger"), format="json").status_code == 201
    with in_org(org_a):
        assert Deployment.objects.get().service.organization_id == org_a.pk
    with in_org(org_b):
        assert not Deployment.objects.exists()


def declared(row) -> dict:
    """What DeploymentDetailSerializer's declared fields write (the schema's answer)."""
    return ModelSerializer.to_representation(DeploymentDetailSerializer(), row)


def test_the_answer_written_directly_is_what_the_declared_fields_write(api_a, org_a, in_org, catalog_a):
    posted = api_a.post(URL, body(strategy="canary", started_at="2025-03-04T18:00:00.123456Z",
                                  url="https://ci.example.com/runs/1", triggered_by="jdoe"), format="json").json()
    with in_org(org_a):
        stored = deployment_get(deployment_id=posted["id"])
        assert posted == declared(stored)  # the post's answer, written from the statement's row
        assert DeploymentDetailSerializer(stored).data == declared(stored)
        # Every reference, each by an id no other one has (so a swapped pair cannot pass).
        references = {"rollback_of": stored}
        for name, make in (("release", ReleaseFactory), ("pipeline_run", PipelineRunFactory),
                           ("change_request", ChangeRequestFactory)):
            while (row := make(organization=org_a)).pk in {ref.pk for ref in references.values()}:
                pass
            references[name] = row
        everything = DeploymentFactory(
            organization=org_a, service=catalog_a, kind="rollback", strategy="blue_green",
            rollback_of_external_id="gha-1", change_request_number="CHG0000001", triggered_by="release bot",
            url="https://ci.example.com/runs/2", **references)
        DeploymentCommitFactory(organization=org_a, deployment=everything,
                                commit=CommitFactory(organization=org_a, service=catalog_a))
        nothing = DeploymentFactory(organization=org_a, service=catalog_a, environment=None, started_at=None,
                                    finished_at=None, version="", commit_sha="")
        for row in (everything, nothing):
            row = deployment_get(deployment_id=row.pk)
            answer = DeploymentDetailSerializer(row).data
            assert answer == declared(row) and list(answer) == list(declared(row))
        assert answer["environment"] is None and answer["commits"] == []


def test_the_audit_event_the_statement_writes_is_complete(api_a, org_a, in_org, catalog_a):
    posted = api_a.post(URL, body(), format="json", HTTP_X_REQUEST_ID="req-4711").json()
    with in_org(org_a):
        first = snapshot(Deployment.objects.get())
    # A time in whole seconds: the snapshot writes it without a fraction.
    assert api_a.post(URL, body(status="failed", started_at="2025-03-04T18:00:00Z"), format="json").status_code == 200
    with in_org(org_a):
        token = ApiToken.objects.get()
        stored = Deployment.objects.get()
        events = AuditEvent.objects.filter(action__startswith="deployment.").order_by("id")
        assert [(e.organization_id, e.actor_user_id, e.actor_token_id, e.actor_label, e.object_type, e.object_id,
                 e.before, e.message) for e in events] == [
            (org_a.pk, None, token.pk, f"{TOKEN_LABEL_PREFIX}{token.name}", "integrations.deployment",
             str(posted["id"]), None, "")] * 2
        recorded, updated = events
        assert (recorded.action, updated.action, recorded.request_id) == (
            "deployment.recorded", "deployment.updated", "req-4711")
        assert updated.request_id not in ("", "req-4711")  # the id the second request was given
        assert (recorded.after, updated.after) == (first, snapshot(stored))
        assert updated.object_repr == str(stored) == f"{catalog_a.pk}@2.4.1 to production"
        assert recorded.occurred_at <= updated.occurred_at


def test_the_snapshot_in_sql_is_the_snapshot_audit_record_writes(org_a, in_org, catalog_a):
    with in_org(org_a):
        rows = [DeploymentFactory(organization=org_a, service=catalog_a, started_at=None, finished_at=None,
                                  version="", commit_sha=SHA, url=""),  # named by its sha
                DeploymentFactory(organization=org_a, service=catalog_a, environment=None, kind="rollback",
                                  started_at=datetime(2025, 3, 4, 18, 0, 0, 123456, tzinfo=UTC),
                                  finished_at=datetime(2025, 3, 4, 18, 4, 12, 999, tzinfo=UTC),
                                  version="x" * 120, strategy="canary", triggered_by="jdoe"),
                DeploymentFactory(organization=org_a, service=catalog_a,
                                  finished_at=datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC))]
        with connection.cursor() as cursor:
            for row in rows:
                cursor.execute(f"SELECT {snapshot_sql(Deployment, 'd')}, {deployment_post._REPR.replace('dep.', 'd.')} "
                               f"FROM {Deployment._meta.db_table} d WHERE id = %s", [row.pk])
                in_sql, name = cursor.fetchone()  # jsonb arrives as its text (Django reads it so)
                in_sql = json.loads(in_sql)
                stored = Deployment.objects.get(pk=row.pk)
                assert (in_sql, name) == (snapshot(stored), str(stored))


def test_stored_rollbacks_are_found_through_their_index_not_by_reading_every_deployment(api_a, catalog_a):
    with CaptureQueriesContext(connection) as captured:
        assert api_a.post(URL, body(), format="json").status_code == 201
    executed = next(q["sql"] for q in captured.captured_queries if q["sql"].startswith("EXECUTE deployment_post_"))
    # A table this small would be read whole; the plan must be able not to. Planned now (not a
    # generic plan the connection cached earlier), with these settings.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        cursor.execute(f"EXPLAIN {executed}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET plan_cache_mode")
    rollback = plan[plan.index("CTE rollback"):plan.index("CTE state")]
    assert "deployment_rollback_target" in rollback


def test_posts_for_a_service_whose_derivation_waits_queue_no_more_tasks(
        api_a, catalog_a, org_a, in_org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        for number in range(3):
            assert api_a.post(URL, body(external_id=f"gha-{number}"), format="json").status_code == 201
    assert len(queued) == 1  # the first post's marker is paid by one run, which reads it when it starts
    with in_org(org_a):
        DerivationPending.objects.all().delete()
    with django_capture_on_commit_callbacks() as queued:
        assert api_a.post(URL, body(external_id="gha-9"), format="json").status_code == 201
    assert len(queued) == 1
