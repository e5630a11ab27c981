"""The connections API: secrets write-only, the webhook URL, validation naming the field,
archive instead of delete, "sync now", "test connection", sync runs and deliveries."""

from __future__ import annotations

import pytest

from integrations.models import Connection, WorkItem
from tests.integrations.factories import ConnectionFactory, SyncRunFactory, WebhookDeliveryFactory, WorkItemFactory
from tests.integrations.support import ReplayServer, serving
from tests.integrations.sync_support import SOURCES
from vsm.audit.models import AuditEvent
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db
URL = "/api/v1/orgs/acme/"
JIRA = {"kind": "jira", "name": "Jira", "base_url": "https://jira.example.com",
        "credentials": {"username": "sync-bot", "password": "api-token-123"}, "webhook_secret": "hook-secret-456",
        "options": {"jql": "project = PAY", "writeback_transition": "Done"}, "sync_enabled": True}


def test_create_answers_the_webhook_url_and_never_the_secrets(api_owner_a, org_a, in_org):
    response = api_owner_a.post(f"{URL}connections/", JIRA, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["webhook_url"] == f"http://testserver/hooks/{data['id']}/"
    assert (data["has_webhook_secret"], data["has_credentials"], data["webhook_secret"]) == (True, True, None)
    text = response.content.decode()
    assert "api-token-123" not in text and "hook-secret-456" not in text
    with in_org(org_a):
        connection = Connection.objects.get(pk=data["id"])
        assert connection.webhook_secret == "hook-secret-456"
        assert "api-token-123" not in connection.credentials_encrypted
        event = AuditEvent.objects.get(action="connection.created")
    assert "api-token-123" not in str(event.after) and "hook-secret" not in str(event.after)
    listed = api_owner_a.get(f"{URL}connections/").json()["results"]
    assert [c["id"] for c in listed] == [data["id"]] and "hook-secret-456" not in str(listed)


def test_a_generated_webhook_secret_is_shown_once(api_owner_a, org_a, in_org):
    created = api_owner_a.post(f"{URL}connections/", {"kind": "github", "name": "GitHub"}, format="json").json()
    assert len(created["webhook_secret"]) >= 32
    with in_org(org_a):
        assert Connection.objects.get(pk=created["id"]).webhook_secret == created["webhook_secret"]
    assert api_owner_a.get(f"{URL}connections/{created['id']}/").json()["webhook_secret"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"mapping": {"flow_types": {"bug": "oops"}}}, "mapping.flow_types.bug"),
    ({"mapping": {"nonsense": {}}}, "mapping.nonsense"),
    ({"options": {"repositories": "acme/api"}}, "options.repositories"),
    ({"kind": "tfs"}, "kind"),
    ({"base_url": "not a url"}, "base_url"),
    ({"sync_interval_minutes": 0}, "sync_interval_minutes"),
    ({"kind": "generic", "sync_enabled": True}, "sync_enabled"),
    # A NUL is refused by the API's JSON parser, naming where it sits.
    ({"options": {"repositories": ["acme/api\u0000"]}}, "options.repositories[0]"),
    ({"mapping": {"status_categories": {"parked\u0000": "todo"}}}, "mapping.status_categories"),
    ({"credentials": {"token": ["ghp_1"]}}, "credentials"),
    ({"credentials": "ghp_1\nX-Injected: 1"}, "credentials"),
])
def test_bad_input_is_a_400_naming_the_field(api_owner_a, body, field):
    response = api_owner_a.post(f"{URL}connections/", {"kind": "github", "name": "GitHub", **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_taken_name_is_a_conflict(api_owner_a, org_a, in_org):
    with in_org(org_a):
        ConnectionFactory(organization=org_a, name="GitHub")
    response = api_owner_a.post(f"{URL}connections/", {"kind": "github", "name": "GitHub"}, format="json")
    assert response.status_code == 409
    assert "name" in response.json()["error"]["fields"]


def test_patch_replaces_secrets_and_keeps_what_is_not_sent(api_owner_a, org_a, in_org):
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a, kind="jira", credentials="old-token")
    response = api_owner_a.patch(f"{URL}connections/{connection.pk}/", {"credentials": "new-token",
                                                                        "sync_interval_minutes": 30}, format="json")
    assert response.status_code == 200
    with in_org(org_a):
        connection.refresh_from_db()
        assert (connection.credentials, connection.webhook_secret) == ("new-token", "hook-secret")
        assert connection.sync_interval_minutes == 30
        assert AuditEvent.objects.get(action="connection.updated").message == "credentials replaced"


def test_patching_the_mapping_reapplies_it_to_stored_records(api_owner_a, org_a, in_org):
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a, kind="jira")
        item = WorkItemFactory(organization=org_a, connection=connection, source="jira", status_raw="Parked",
                               status_category="in_progress", type_raw="Chore", flow_type="debt")
    response = api_owner_a.patch(f"{URL}connections/{connection.pk}/", {"mapping": {
        "status_categories": {"parked": "todo"}, "flow_types": {"chore": "feature"}}}, format="json")
    assert response.status_code == 200
    with in_org(org_a):
        item = WorkItem.objects.get(pk=item.pk)
    assert (item.status_category, item.flow_type) == ("todo", "feature")


def test_delete_archives_and_the_records_stay(api_owner_a, org_a, in_org):
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a, kind="jira", sync_enabled=True)
        WorkItemFactory(organization=org_a, connection=connection, source="jira")
    assert api_owner_a.delete(f"{URL}connections/{connection.pk}/").status_code == 204
    with in_org(org_a):
        connection.refresh_from_db()
        assert (connection.is_active, connection.sync_enabled, WorkItem.objects.count()) == (False, False, 1)
    assert api_owner_a.get(f"{URL}connections/").json()["results"] == []
    assert api_owner_a.post(f"{URL}connections/{connection.pk}/sync/").status_code == 409


def test_sync_now_runs_the_pull_and_answers_the_run(api_owner_a, org_a, in_org, server, monkeypatch,
                                                    django_capture_on_commit_callbacks):
    source = SOURCES["servicenow"]
    source.serve(server)
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a, kind="servicenow", base_url=server.url,
                                       options=source.options)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_owner_a.post(f"{URL}connections/{connection.pk}/sync/")
    assert response.status_code == 202
    run_id = response.json()["id"]
    detail = api_owner_a.get(f"{URL}sync-runs/{run_id}/").json()
    assert (detail["status"], detail["trigger"], detail["created"]) == ("succeeded", "manual", source.rows)


def test_test_connection_says_whether_the_source_answers(api_owner_a, org_a, in_org, server):
    server.route("/rest/api/2/myself", {"name": "sync-bot"})
    with in_org(org_a):
        good = ConnectionFactory(organization=org_a, kind="jira", base_url=server.url)
        bad = ConnectionFactory(organization=org_a, kind="jira", base_url=f"{server.url}/nowhere",
                                credentials="secret-pat")
    assert api_owner_a.post(f"{URL}connections/{good.pk}/test/").json()["ok"] is True
    answer = api_owner_a.post(f"{URL}connections/{bad.pk}/test/").json()
    assert answer["ok"] is False and "HTTP 404" in answer["message"] and "secret-pat" not in answer["message"]


@pytest.fixture
def elsewhere():
    """A second server: the address someone moves a connection to."""
    with serving(ReplayServer()) as replay:
        yield replay


def test_moving_the_api_root_needs_the_credentials_again(api_owner_a, org_a, in_org, server, elsewhere):
    for replay in (server, elsewhere):
        replay.route("/rest/api/2/myself", {"name": "sync-bot"})
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a, kind="jira", base_url=server.url,
                                       credentials="stored-pat-1")
    path = f"{URL}connections/{connection.pk}/"

    moved = api_owner_a.patch(path, {"base_url": f"{elsewhere.url}/jira"}, format="json")
    assert moved.status_code == 400 and list(moved.json()["error"]["fields"]) == ["credentials"]
    assert api_owner_a.post(f"{path}test/").json()["ok"] is True  # still the old address, still its token
    assert elsewhere.seen == [] and server.seen[-1].headers["Authorization"] == "Bearer stored-pat-1"
    # Another path on the same scheme, host and port keeps the credentials.
    assert api_owner_a.patch(path, {"base_url": f"{server.url}/"}, format="json").status_code == 200

    moved = api_owner_a.patch(path, {"base_url": elsewhere.url, "credentials": "new-pat-2"}, format="json")
    assert moved.status_code == 200
    assert api_owner_a.post(f"{path}test/").json()["ok"] is True
    assert [s.headers["Authorization"] for s in elsewhere.seen] == ["Bearer new-pat-2"]


def test_an_api_root_over_plain_http_needs_the_operators_consent(api_owner_a, settings):
    settings.OUTBOUND_HTTP_ALLOWED_HOSTS = ["jira.intranet.example"]
    body = {**JIRA, "base_url": "http://jira.example.com"}
    refused = api_owner_a.post(f"{URL}connections/", body, format="json")
    assert refused.status_code == 400
    assert "OUTBOUND_HTTP_ALLOWED_HOSTS" in refused.json()["error"]["fields"]["base_url"][0]
    listed = api_owner_a.post(f"{URL}connections/", {**body, "base_url": "http://jira.intranet.example"}, format="json")
    assert listed.status_code == 201


def test_test_connection_to_an_internal_address_is_refused(api_owner_a, org_a, in_org, server, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []
    server.route("/rest/api/2/myself", {"name": "sync-bot"})
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a, kind="jira", base_url=server.url,
                                       credentials="stored-pat-1")
    answer = api_owner_a.post(f"{URL}connections/{connection.pk}/test/").json()
    assert answer["ok"] is False and "127.0.0.1 is a loopback address" in answer["message"]
    assert server.seen == []


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.RELEASE_MANAGER, Role.VIEWER])
def test_only_those_who_manage_connections_may_see_or_change_them(api_as, role):
    client = api_as(role)
    assert client.get(f"{URL}connections/").status_code == 403
    assert client.post(f"{URL}connections/", {"kind": "github", "name": "x"}, format="json").status_code == 403


def test_sync_run_and_delivery_lists_filter_and_stay_within_the_organization(
        api_owner_a, org_a, org_b, in_org, assert_max_queries):
    with in_org(org_b):
        SyncRunFactory(organization=org_b)
        WebhookDeliveryFactory(organization=org_b)
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a)
        for status in ("succeeded", "failed", "succeeded"):
            SyncRunFactory(organization=org_a, connection=connection, status=status)
        delivery = WebhookDeliveryFactory(organization=org_a, connection=connection, body='{"zen": "canary"}')
        WebhookDeliveryFactory.create_batch(3, organization=org_a, connection=connection)
    with assert_max_queries(8):
        runs = api_owner_a.get(f"{URL}sync-runs/", {"status": "succeeded"}).json()
    assert runs["count"] == 2
    with assert_max_queries(8):
        deliveries = api_owner_a.get(f"{URL}webhook-deliveries/", {"connection": connection.pk}).json()
    assert deliveries["count"] == 4 and "body" not in deliveries["results"][0]
    assert api_owner_a.get(f"{URL}webhook-deliveries/{delivery.pk}/").json()["body"] == '{"zen": "canary"}'
    assert api_owner_a.get(f"{URL}sync-runs/", {"status": "nope"}).status_code == 400
