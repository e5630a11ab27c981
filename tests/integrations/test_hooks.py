"""The webhook receiver, fed every published payload of GitHub, GitLab, Jira and ServiceNow with
a valid signature: the rows it stores, replays that change nothing, and every refusal."""

from __future__ import annotations

import io
import logging

import pytest
from django.utils.module_loading import import_string

from integrations.models import (
    ChangeRequest,
    Commit,
    Deployment,
    Incident,
    PipelineJob,
    PipelineRun,
    PullRequest,
    WebhookDelivery,
    WorkItem,
)
from integrations.services.webhooks import delivery_replay
from tests.factories import ServiceFactory
from tests.integrations.factories import ConnectionFactory, ProductionEnvironmentFactory
from tests.integrations.hooks_support import SECRET, as_bytes, post
from tests.integrations.support import fixture_bytes
from tests.integrations.test_servicenow import INCIDENT_PLAIN
from vsm.audit.models import AuditEvent
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

RECORD_MODELS = (Deployment, PipelineRun, PipelineJob, Commit, PullRequest, WorkItem, Incident, ChangeRequest)
GH_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
RUN_SHA = "3484a3fb816e0859fd6e1cea078d76385ff50625"

# fixture -> the rows it must leave: (model, external_id, field values read from the fixture)
EXPECTED = {
    "github/check_run.completed.json": [
        (PipelineJob, "128620228", {"status": "succeeded", "source": "github"})],
    "github/deployment.created.json": [
        (Deployment, "145988746", {"status": "in_progress", "environment_name": "production", "commit_sha": GH_SHA,
                                   "is_production": True, "service__slug": "hello-world"})],
    "github/deployment.created.actions-gh-pages.json": [
        (Deployment, "145988746", {"status": "in_progress", "environment_name": "github-pages",
                                   "environment": None, "commit_sha": GH_SHA, "is_production": False})],
    "github/deployment_status.created.in_progress.json": [
        (Deployment, "145988746", {"status": "in_progress", "environment_name": "github-pages"})],
    "github/deployment_status.created.success.json": [
        (Deployment, "145988746", {"status": "succeeded", "environment_name": "production", "is_production": True,
                                   "commit_sha": GH_SHA})],
    "github/pull_request.opened.json": [
        (PullRequest, "279147437", {"number": 2, "state": "open", "title": "Update the README with new information."})],
    "github/pull_request.closed.not-merged.json": [
        (PullRequest, "279147437", {"number": 2, "state": "closed", "merged_at": None})],
    "github/push.branch.json": [
        (Commit, "Codertocat/Hello-World@199eddf46df50de8d02e99bf1c5fdb4101338224",
         {"sha": "199eddf46df50de8d02e99bf1c5fdb4101338224", "service__slug": "hello-world"})],
    "github/push.new-branch.json": [
        (Commit, "Codertocat/Hello-World@6113728f27ae82c7b1a177c8d03f9e96e0adf246",
         {"sha": "6113728f27ae82c7b1a177c8d03f9e96e0adf246"})],
    "github/workflow_job.completed.success.json": [(PipelineJob, "289782451", {"status": "succeeded"})],
    "github/workflow_job.completed.failure.json": [(PipelineJob, "289782451", {"status": "failed"})],
    "github/workflow_run.completed.success.json": [
        (PipelineRun, "289782451", {"status": "succeeded", "commit_sha": RUN_SHA, "service__slug": "octo-repo"})],
    "github/workflow_run.completed.with-pull-requests.json": [
        (PipelineRun, "289782451", {"status": "succeeded", "commit_sha": RUN_SHA})],
    "gitlab/deployment.success.json": [
        (Deployment, "15", {"status": "succeeded", "environment_name": "staging",
                            "commit_sha": "279484c09fbe69ededfced8c1bb6e6d24616b468",
                            "service__slug": "test-deployment-webhooks"})],
    "gitlab/job.json": [(PipelineJob, "3580121225", {"status": "succeeded", "environment_name": "production"})],
    "gitlab/merge_request.open.json": [(PullRequest, "99", {"state": "open"})],
    "gitlab/merge_request.merge.json": [
        (PullRequest, "6632669", {"state": "merged", "number": 1,
                                  "merge_commit_sha": "78a76ee6b4992a6baf64c59fc4c44c7323d60438"})],
    "gitlab/pipeline.success.json": [
        (PipelineRun, "31", {"status": "succeeded", "commit_sha": "bcbb5ec396a2c0f828686f14fac9b80b780504f2"})],
    "gitlab/push.json": [
        (Commit, "mike/diaspora@b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327", {"service__slug": "diaspora"}),
        (Commit, "mike/diaspora@da1560886d4f094c3e6c9ef40349f7d38b5d27d7", {"service__slug": "diaspora"})],
    "jira/webhook.cloud.issue_updated.status-changed.json": [
        (WorkItem, "11442", {"key": "INDEV-6", "status_raw": "In Progress", "status_category": "in_progress"})],
    "jira/webhook.server.issue_updated.fields-updated.json": [
        (WorkItem, "10010", {"key": "TEST-11", "status_raw": "To Do", "status_category": "todo"})],
    "jira/webhook.server.issue_updated.status-changed.json": [
        (WorkItem, "10010", {"key": "TEST-11", "status_raw": "Done", "status_category": "done"})],
    "servicenow/change_request.sn_chg_rest.standard.display-value-all.json": [
        (ChangeRequest, "11ab5ccfdb784d505da401a3ca96190a",
         {"number": "CHG0031889", "type": "standard", "state": "new"})],
}


@pytest.fixture
def connections(org_a):
    ProductionEnvironmentFactory(organization=org_a, name="Production", slug="production")
    return {kind: ConnectionFactory(organization=org_a, kind=kind, name=kind, webhook_secret=SECRET)
            for kind in ("github", "gitlab", "jira", "servicenow", "generic")}


def _rows(org, in_org) -> dict[str, int]:
    with in_org(org):
        return {model.__name__: model.objects.count() for model in RECORD_MODELS}


def test_every_webhook_fixture_is_covered():
    from tests.integrations.support import FIXTURES

    published = {f"{p.parent.name}/{p.name}" for kind in ("github", "gitlab", "servicenow")
                 for p in (FIXTURES / kind).glob("*.json")}
    published |= {f"jira/{p.name}" for p in (FIXTURES / "jira").glob("webhook.*.json")}
    assert published == set(EXPECTED)


@pytest.mark.parametrize("name", EXPECTED)
def test_a_signed_fixture_is_ingested_and_replays_change_nothing(client, org_a, org_b, in_org, connections, name):
    kind, file = name.split("/")
    raw = fixture_bytes(name)
    response = post(client, connections[kind], kind, file, raw)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "processed" and response.json()["created"] >= 1
    with in_org(org_a):
        for model, external_id, values in EXPECTED[name]:
            row = model.objects.filter(external_id=external_id).values(*values).get()
            assert row == values
            assert model.objects.get(external_id=external_id).connection == connections[kind]
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.connection, delivery.body_sha256 != "") == (
            "processed", connections[kind], True)
        assert not {"X-Gitlab-Token", "X-Sluice-Token"} & set(delivery.headers)
    before = _rows(org_a, in_org)
    for _ in range(3):
        again = post(client, connections[kind], kind, file, raw)
        assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert _rows(org_a, in_org) == before
    with in_org(org_a):
        assert WebhookDelivery.objects.count() == 1
    assert set(_rows(org_b, in_org).values()) == {0}


def test_a_deployment_and_its_status_event_make_one_deployment(client, org_a, in_org, connections):
    for name in ("deployment.created.json", "deployment_status.created.success.json"):
        assert post(client, connections["github"], "github", name, fixture_bytes(f"github/{name}")).status_code == 200
    with in_org(org_a):
        deployment = Deployment.objects.get()
        assert (deployment.status, deployment.environment.slug, deployment.commit_sha) == ("succeeded", "production",
                                                                                           GH_SHA)


def test_a_servicenow_incident_links_to_known_service_and_change(client, org_a, in_org, connections):
    ServiceFactory(organization=org_a, name="Payments API", slug="payments-api")
    record = {**INCIDENT_PLAIN, "business_service": {"display_value": "Payments API", "value": "27d3"}}
    response = post(client, connections["servicenow"], "servicenow", "incident", as_bytes({"result": record}))
    assert response.status_code == 200
    with in_org(org_a):
        incident = Incident.objects.get()
        assert (incident.number, incident.status, incident.severity, incident.service.slug) == (
            "INC0010042", "resolved", 2, "payments-api")


@pytest.mark.parametrize("signature", ["query-secret", "hmac-header", "token-header"])
def test_jira_accepts_any_of_its_secrets(client, org_a, in_org, connections, signature):
    from integrations.connectors.base import hmac_sha256_hex

    raw = fixture_bytes("jira/webhook.cloud.issue_updated.status-changed.json")
    hook = f"/hooks/{connections['jira'].pk}/"
    if signature == "query-secret":
        response = post(client, connections["jira"], "jira", "webhook", raw)
    elif signature == "hmac-header":
        response = client.post(hook, data=raw, content_type="application/json",
                               HTTP_X_HUB_SIGNATURE="sha256=" + hmac_sha256_hex(SECRET, raw))
    else:
        response = client.post(hook, data=raw, content_type="application/json", HTTP_X_SLUICE_TOKEN=SECRET)
    assert response.status_code == 200 and response.json()["status"] == "processed"
    with in_org(org_a):
        assert SECRET not in str(WebhookDelivery.objects.get().headers)


def test_a_wrong_token_header_is_refused_even_with_the_right_query_secret(client, connections):
    response = client.post(f"/hooks/{connections['jira'].pk}/?secret={SECRET}", data=b"{}",
                           content_type="application/json", HTTP_X_SLUICE_TOKEN="guess")
    assert response.status_code == 401


@pytest.mark.parametrize(("secret", "body", "status"), [(SECRET, b"truncated", 400), ("guess-0123", b"{}", 401)])
def test_the_query_secret_never_reaches_the_log_lines(client, connections, settings, secret, body, status):
    """Django logs every 4xx with the request, whose repr is the full path and query string; the
    project's JSON formatter (settings.LOGGING) writes it without the secret."""
    json_format = settings.LOGGING["formatters"]["json"]
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(import_string(json_format["()"])(fmt=json_format["fmt"]))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.post(f"/hooks/{connections['jira'].pk}/?secret={secret}&x=1", data=body,
                               content_type="application/json")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == status
    logged = lines.getvalue()
    assert f"/hooks/{connections['jira'].pk}/?secret=***&x=1" in logged and secret not in logged


@pytest.mark.parametrize("kind", ["github", "gitlab", "jira", "servicenow", "generic"])
def test_a_bad_signature_is_refused_and_nothing_is_stored(client, org_a, in_org, connections, kind):
    raw = fixture_bytes("github/push.branch.json")
    response = post(client, connections[kind], kind, "push.json", raw, secret="wrong-secret")
    assert response.status_code == 401 and response.json()["error"]["code"] == "signature_invalid"
    with in_org(org_a):
        assert not WebhookDelivery.objects.exists()
    assert set(_rows(org_a, in_org).values()) == {0}


@pytest.mark.parametrize(("raw", "content_type", "status"), [
    ("truncated", "application/json", 400),
    (b'{"ok": true}', "text/plain", 415),
    (b"  ", "application/json", 400),
    (b"[1, 2]", "application/json", 400),
], ids=["truncated", "wrong-content-type", "empty", "not-an-object"])
def test_a_signed_but_unreadable_body_is_stored_as_failed(client, org_a, in_org, connections, raw, content_type,
                                                          status):
    if raw == "truncated":
        raw = fixture_bytes("github/push.branch.json")[:300]
    response = post(client, connections["github"], "github", "push.json", raw, content_type=content_type)
    assert response.status_code == status and response.json()["error"]["message"]
    with in_org(org_a):
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.outcome) == ("failed", response.json()["error"]["message"])
    assert set(_rows(org_a, in_org).values()) == {0}


BIG = 10**30
RUN = {"external_id": "gha-9", "pipeline": "payments-api/ci", "status": "succeeded"}


@pytest.mark.parametrize(("event", "payload", "field"), [
    ("pipeline_run", {**RUN, "run_number": BIG}, "run_number"),
    ("pipeline_run", {**RUN, "tests": {"passed": BIG}}, "tests_passed"),
    ("pipeline_run", {**RUN, "pull_requests": [BIG]}, "pull_request_numbers"),
    ("pipeline_run", {**RUN, "pipeline": "p" * 300}, "pipeline"),
    ("pipeline_run", {**RUN, "external_id": "gha-\u0000"}, "external_id"),
    ("deployment", {"external_id": "d-1", "service": "payments-api", "environment": "production",
                    "status": "succeeded", "version": "v" * 121}, "version"),
    ("deployment", {"external_id": "d-1", "service": "payments-api", "environment": "production",
                    "status": "succeeded", "commits": [{"sha": "f" * 65}]}, "sha"),
    ("deployment", {"external_id": "d-1", "service": "payments-api", "environment": "production",
                    "status": "succeeded", "change_request": "CHG\u0000"}, "change_request"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None)
def test_a_value_the_columns_cannot_hold_fails_the_delivery_by_name(client, org_a, in_org, connections, event,
                                                                     payload, field):
    response = post(client, connections["generic"], "generic", f"{event}.json", as_bytes(payload))
    assert response.status_code == 400 and response.json()["error"]["details"]["field"] == field
    with in_org(org_a):
        assert WebhookDelivery.objects.get().status == "failed"
    assert set(_rows(org_a, in_org).values()) == {0}


def test_a_body_with_a_nul_byte_is_stored_as_failed(client, org_a, in_org, connections):
    response = post(client, connections["generic"], "generic", "pipeline_run.json", b'{"external_id": "r\x00"}')
    assert response.status_code == 400
    with in_org(org_a):
        assert WebhookDelivery.objects.get().status == "failed"


def test_a_huge_body_is_refused_unread(client, org_a, in_org, connections, settings):
    raw = b'{"pad": "' + b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b'"}'
    response = post(client, connections["github"], "github", "push.json", raw)
    assert response.status_code == 413
    with in_org(org_a):
        assert not WebhookDelivery.objects.exists()


def test_an_unknown_event_is_ignored_with_the_reason(client, org_a, in_org, connections):
    raw = fixture_bytes("github/push.branch.json")
    response = post(client, connections["github"], "github", "star.json", raw)
    assert response.status_code == 202 and response.json()["status"] == "ignored"
    with in_org(org_a):
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.event, delivery.outcome) == ("ignored", "star", response.json()["reason"])
    assert set(_rows(org_a, in_org).values()) == {0}


def test_unknown_archived_and_other_methods(client, org_a, org_b, in_org, connections):
    raw = fixture_bytes("github/push.branch.json")
    archived = ConnectionFactory(organization=org_a, kind="github", is_active=False, webhook_secret=SECRET)
    jenkins = ConnectionFactory(organization=org_a, kind="jenkins", webhook_secret=SECRET)
    assert post(client, archived, "github", "push.json", raw).status_code == 404
    assert client.post("/hooks/999999/", data=raw, content_type="application/json").status_code == 404
    assert post(client, jenkins, "github", "push.json", raw).status_code == 404
    assert client.get(f"/hooks/{connections['github'].pk}/").status_code == 405
    with in_org(org_a):
        assert not WebhookDelivery.objects.exists()


def test_replaying_a_stored_delivery_updates_without_duplicating(client, org_a, in_org, connections, owner_a):
    post(client, connections["gitlab"], "gitlab", "push.json", fixture_bytes("gitlab/push.json"))
    with in_org(org_a):
        delivery = WebhookDelivery.objects.get()
        with pytest.raises(Exception, match="may not replay"):
            delivery_replay(delivery=delivery, actor=Actor(role=Role.VIEWER, user=owner_a))
        replayed = delivery_replay(delivery=delivery, actor=Actor(role=Role.OWNER, user=owner_a))
        assert (replayed.status, replayed.replay_count, replayed.records_created) == ("processed", 1, 0)
        assert Commit.objects.count() == 2
        assert AuditEvent.objects.filter(action="webhook_delivery.replayed", object_id=str(delivery.pk)).exists()
