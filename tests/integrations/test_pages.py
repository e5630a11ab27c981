"""The integrations pages: connections (empty state, add with the secret shown once, edit with
secrets never shown, test connection, archive), mapping editor, sync runs with live progress,
deliveries with replay, delivery settings; query counts constant in the number of rows."""

from __future__ import annotations

import json

import pytest

from integrations.models import Connection, DeliverySettings, WorkItem
from tests.integrations.factories import (
    ConnectionFactory,
    SyncRunFactory,
    WebhookDeliveryFactory,
    WorkItemFactory,
)
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db
BASE = "/o/acme/integrations/"


def test_the_empty_list_explains_how_to_connect(client_a):
    page = client_a.get(BASE).content.decode()
    assert "No connections yet" in page and "Add a connection" in page


def test_the_nav_links_the_section_for_those_who_manage_connections(client_a, client, member_factory):
    assert f'href="{BASE}"' in client_a.get("/o/acme/").content.decode()
    client.force_login(member_factory(Role.ENGINEER))
    assert f'href="{BASE}"' not in client.get("/o/acme/").content.decode()
    assert client.get(BASE).status_code == 403


def test_adding_shows_the_webhook_url_and_the_generated_secret_once(client_a, org_a, in_org):
    response = client_a.post(f"{BASE}new/", {"kind": "github", "name": "GitHub", "secret": "ghp_token123",
                                             "options": '{"repositories": ["acme/api"]}',
                                             "sync_interval_minutes": 15})
    assert response.status_code == 200
    with in_org(org_a):
        connection = Connection.objects.get(name="GitHub")
        secret = connection.webhook_secret
    page = response.content.decode()
    assert f"/hooks/{connection.pk}/" in page and secret in page
    assert "ghp_token123" not in page
    again = client_a.get(f"{BASE}{connection.pk}/").content.decode()
    assert secret not in again and "ghp_token123" not in again and "set — leave empty to keep it" in again


def test_bad_options_re_render_the_form_naming_the_problem(client_a):
    response = client_a.post(f"{BASE}new/", {"kind": "github", "name": "GitHub", "options": '{"repositories": 1}',
                                             "sync_interval_minutes": 15})
    assert response.status_code == 400
    assert "options.repositories" in response.content.decode()


@pytest.mark.parametrize(("fields", "named"), [
    ({"base_url": "https://jira.example.com/" + "a" * 200}, "at most 200 characters"),
    ({"options": '{"jql": "project = PAY\\u0000"}'}, "NUL character"),
    ({"secret": "token\twith a tab"}, "text on one line"),
])
def test_input_the_database_or_a_header_cannot_take_is_a_400_on_the_form(client_a, fields, named):
    response = client_a.post(f"{BASE}new/", {"kind": "jira", "name": "Jira", "sync_interval_minutes": 15, **fields})
    assert response.status_code == 400
    assert named in response.content.decode()


def test_editing_with_blank_secrets_keeps_them(client_a, org_a, in_org):
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a, kind="jira", credentials="pat-1")
    response = client_a.post(f"{BASE}{connection.pk}/", {"name": "Jira", "sync_interval_minutes": 5,
                                                         "options": '{"jql": "project = PAY"}'})
    assert response.status_code == 302
    with in_org(org_a):
        connection.refresh_from_db()
    assert (connection.name, connection.credentials, connection.webhook_secret) == ("Jira", "pat-1", "hook-secret")
    assert connection.options == {"jql": "project = PAY"}


def test_editing_the_api_root_without_the_credentials_is_refused_on_the_form(client_a, org_a, in_org):
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a, kind="jira", base_url="https://jira.example.com",
                                       credentials="pat-1")
    form = {"name": "Jira", "sync_interval_minutes": 5, "options": '{"jql": "project = PAY"}',
            "base_url": "https://collector.example.net"}
    response = client_a.post(f"{BASE}{connection.pk}/", form)
    assert response.status_code == 400 and "enter the credentials again" in response.content.decode()
    assert client_a.post(f"{BASE}{connection.pk}/", {**form, "secret": "pat-2"}).status_code == 302
    with in_org(org_a):
        connection.refresh_from_db()
    assert (connection.base_url, connection.credentials) == ("https://collector.example.net", '{"token": "pat-2"}')


def test_test_connection_answers_a_fragment(client_a, org_a, in_org, server):
    server.route("/rest/api/2/myself", {"name": "bot"})
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a, kind="jira", base_url=server.url)
    fragment = client_a.post(f"{BASE}{connection.pk}/test/", HTTP_HX_REQUEST="true").content.decode()
    assert "Connected" in fragment and "<html" not in fragment


def test_archive_asks_first_then_keeps_the_records(client_a, org_a, in_org):
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a, kind="jira")
        WorkItemFactory(organization=org_a, connection=connection, source="jira")
    assert "Archive connection" in client_a.get(f"{BASE}{connection.pk}/archive/").content.decode()
    assert client_a.post(f"{BASE}{connection.pk}/archive/").status_code == 302
    with in_org(org_a):
        connection.refresh_from_db()
        assert (connection.is_active, WorkItem.objects.count()) == (False, 1)


def test_the_mapping_editor_shows_overrides_and_reapplies_them(client_a, org_a, in_org):
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a, kind="jira")
        item = WorkItemFactory(organization=org_a, connection=connection, source="jira", status_raw="Parked",
                               status_category="in_progress")
    bad = client_a.post(f"{BASE}{connection.pk}/mapping/", {"mapping": '{"status_categories": {"parked": "x"}}'})
    assert bad.status_code == 400 and "mapping.status_categories.parked" in bad.content.decode()
    nul = client_a.post(f"{BASE}{connection.pk}/mapping/", {"mapping": '{"status_categories": {"P\\u0000": "todo"}}'})
    assert nul.status_code == 400 and "NUL character" in nul.content.decode()
    good = client_a.post(f"{BASE}{connection.pk}/mapping/", {"mapping": '{"status_categories": {"Parked": "todo"}}'})
    assert good.status_code == 302
    with in_org(org_a):
        assert WorkItem.objects.get(pk=item.pk).status_category == "todo"
    page = client_a.get(f"{BASE}{connection.pk}/mapping/").content.decode()
    assert "override" in page and "in progress" in page


@pytest.mark.parametrize(("status", "polls"), [("running", True), ("succeeded", False)])
def test_a_run_polls_its_progress_only_while_it_runs(client_a, org_a, in_org, status, polls):
    with in_org(org_a):
        run = SyncRunFactory(organization=org_a, status=status, fetched=42, created=40)
    page = client_a.get(f"{BASE}runs/{run.pk}/").content.decode()
    assert ('hx-trigger="every 2s"' in page) is polls
    fragment = client_a.get(f"{BASE}runs/{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and ">42<" in fragment


def test_a_delivery_shows_its_payload_pretty_printed_and_replays(client_a, org_a, in_org):
    with in_org(org_a):
        connection = ConnectionFactory(organization=org_a, kind="github")
        delivery = WebhookDeliveryFactory(organization=org_a, connection=connection, event="ping",
                                          body='{"zen":"Keep it logically awesome.","hook_id":1}',
                                          headers={"X-GitHub-Event": "ping"})
    page = client_a.get(f"{BASE}deliveries/{delivery.pk}/").content.decode()
    assert json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1}, indent=2).replace('"', "&quot;") in page
    assert client_a.post(f"{BASE}deliveries/{delivery.pk}/replay/").status_code == 302
    with in_org(org_a):
        delivery.refresh_from_db()
    assert delivery.replay_count == 1 and delivery.status != "received"


def test_delivery_settings_save_and_validate(client_a, org_a, in_org):
    assert client_a.post(f"{BASE}settings/", {"incident_attribution_hours": 0}).status_code == 400
    assert client_a.post(f"{BASE}settings/", {"incident_attribution_hours": 48}).status_code == 302
    with in_org(org_a):
        saved = DeliverySettings.objects.get()
    assert (saved.attribute_incidents_by_time, saved.incident_attribution_hours) == (False, 48)


@pytest.mark.parametrize(("path", "factory"), [
    ("", lambda org, i: ConnectionFactory(organization=org, name=f"C{i}")),
    ("runs/", lambda org, i: SyncRunFactory(organization=org)),
    ("deliveries/", lambda org, i: WebhookDeliveryFactory(organization=org)),
])
def test_list_pages_cost_the_same_queries_for_many_rows(client_a, org_a, org_b, in_org, path, factory,
                                                        django_assert_max_num_queries):
    with in_org(org_b):
        factory(org_b, 0)
    with in_org(org_a):
        factory(org_a, 1)
    with django_assert_max_num_queries(12) as few:
        client_a.get(f"{BASE}{path}")
    with in_org(org_a):
        for i in range(2, 22):
            factory(org_a, i)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client_a.get(f"{BASE}{path}").content.decode()
    assert "CANARY" not in page
