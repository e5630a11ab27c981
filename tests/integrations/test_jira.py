"""Jira issues, searches and webhooks into work items with status history. Expected values are
read off the fixture files (timestamps converted from the fixture's own offsets to UTC)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from integrations.connectors import jira
from integrations.connectors.base import PayloadError, SignatureError
from integrations.connectors.http import Credentials
from integrations.mapping import Mapping
from integrations.normalized import (
    FlowType,
    NormalizedTransition,
    NormalizedWorkItem,
    Source,
    StatusCategory,
    first_started_at,
)
from tests.integrations.support import Reply, fixture_bytes, load_fixture, utc

TODO, DOING, DONE = StatusCategory.TODO, StatusCategory.IN_PROGRESS, StatusCategory.DONE
_TEST_11 = dict(source=Source.JIRA, external_id="10010", key="TEST-11", title="summary updated", type_raw="Task",
                flow_type=FlowType.FEATURE, priority_raw="Blocker", severity=1, project="TEST", assignee="admin",
                created_at=utc(2016, 1, 6, 20, 16, 41, 463000), url="http://localhost:2990/jira/browse/TEST-11")

ISSUES = {
    # Open -> Resolved in one changelog history (created 2012-12-07T15:25:45.960+0100).
    "jira/issue.server-v2.expand-all-incl-changelog.resolved.json": NormalizedWorkItem(
        source=Source.JIRA, external_id="10070", key="TST-8", title="issue with resolution", type_raw="Bug",
        flow_type=FlowType.DEFECT, status_raw="Resolved", status_category=DONE, priority_raw="Major", severity=3,
        project="TST", components=("Component A", "Component B"), fix_versions=("1.1",), assignee="Wojciech Seliga",
        created_at=utc(2012, 12, 7, 14, 25, 24, 527000), updated_at=utc(2012, 12, 7, 14, 25, 45, 959000),
        resolved_at=utc(2012, 12, 7, 14, 25, 45, 939000), url="http://localhost:2990/jira/browse/TST-8",
        transitions=(NormalizedTransition(external_id="10172", at=utc(2012, 12, 7, 14, 25, 45, 960000),
                                          from_status="Open", to_status="Resolved", from_category=TODO,
                                          to_category=DONE),)),
    # Four histories, none of them a status change.
    "jira/issue.server-v2.expand-changelog.json": NormalizedWorkItem(
        source=Source.JIRA, external_id="10000", key="HST-1", title="Simple history test - modified",
        type_raw="New Feature", flow_type=FlowType.FEATURE, status_raw="Open", status_category=TODO,
        priority_raw="Minor", severity=4, project="HST", assignee="User Two",
        created_at=utc(2012, 4, 12, 12, 27, 37, 672000), updated_at=utc(2012, 4, 12, 12, 30, 9, 688000),
        url="http://localhost:2990/jira/browse/HST-1"),
}

WEBHOOKS = {
    # timestamp 1452812797049 ms = 2016-01-14T23:06:37.049Z; changelog To Do -> Done.
    "jira/webhook.server.issue_updated.status-changed.json": NormalizedWorkItem(
        **_TEST_11, status_raw="Done", status_category=DONE, updated_at=utc(2016, 1, 14, 23, 6, 37, 32000),
        resolved_at=utc(2016, 1, 14, 23, 6, 37, 29000),
        transitions=(NormalizedTransition(external_id="10202", at=utc(2016, 1, 14, 23, 6, 37, 49000),
                                          from_status="To Do", to_status="Done", from_category=TODO,
                                          to_category=DONE),)),
    # Summary, description, priority and resolution changed: no status transition.
    "jira/webhook.server.issue_updated.fields-updated.json": NormalizedWorkItem(
        **_TEST_11, status_raw="To Do", status_category=TODO, updated_at=utc(2016, 1, 14, 23, 1, 40, 354000)),
    # The logger's string timestamp is not Jira's: the issue's `updated` (+0300) dates the change.
    "jira/webhook.cloud.issue_updated.status-changed.json": NormalizedWorkItem(
        source=Source.JIRA, external_id="11442", key="INDEV-6",
        title="Prueba de creación de tareas en un proyecto público", type_raw="Tarea", flow_type=FlowType.FEATURE,
        status_raw="In Progress", status_category=DOING, priority_raw="Highest", severity=1, project="INDEV",
        assignee="Иванов Иван Иванович", created_at=utc(2018, 12, 5, 11, 32, 11, 571000),
        updated_at=utc(2019, 1, 30, 12, 51, 33, 199000), url="https://jira.test-example.ru/browse/INDEV-6",
        transitions=(NormalizedTransition(external_id="34911", at=utc(2019, 1, 30, 12, 51, 33, 199000),
                                          from_status="To Do", to_status="In Progress", from_category=TODO,
                                          to_category=DOING),)),
}

# (id, key, status, category, type, flow type, severity, created (UTC), resolved, fix versions, labels)
SEARCH_V2 = [
    ("10075", "TST-13", "Open", TODO, "Bug", FlowType.DEFECT, 3, utc(2012, 12, 7, 15, 7, 29), None, (), ()),
    ("10074", "TST-12", "Open", TODO, "Bug", FlowType.DEFECT, 3, utc(2012, 12, 7, 14, 49, 6), None, (), ("a", "bcds")),
    ("10073", "TST-11", "Open", TODO, "Bug", FlowType.DEFECT, 3, utc(2012, 12, 7, 14, 44, 32), None, (), ("a", "bcds")),
    ("10072", "TST-10", "Open", TODO, "Bug", FlowType.DEFECT, 3, utc(2012, 12, 7, 14, 31, 21), None, ("1.1",), ()),
    ("10071", "TST-9", "Open", TODO, "Bug", FlowType.DEFECT, 3, utc(2012, 12, 7, 14, 28, 57), None, ("1.1",), ()),
    ("10070", "TST-8", "Resolved", DONE, "Bug", FlowType.DEFECT, 3, utc(2012, 12, 7, 14, 25, 24),
     utc(2012, 12, 7, 14, 25, 45), ("1.1",), ()),
    ("10040", "TST-7", "Open", TODO, "Task", FlowType.FEATURE, 3, utc(2010, 9, 22, 16, 6, 32), None, (), ()),
    ("10030", "TST-6", "Reopened", TODO, "Bug", FlowType.DEFECT, 3, utc(2010, 8, 20, 15, 1, 32), None, (), ()),
]
# The trimmed Cloud response has no issue ids and no status categories: keys and names decide.
SEARCH_CLOUD = [
    ("TEST-1", "TEST-1", "To Do", TODO, "Bug", FlowType.DEFECT, 3, utc(2020, 12, 3, 13, 5, 20, 974000), None, (), ()),
    ("TEST-2", "TEST-2", "In Progress", DOING, "Story", FlowType.FEATURE, 2, utc(2020, 12, 3, 13, 5, 20, 974000), None,
     (), ("critical", "feature")),
    ("TEST-3", "TEST-3", "Done", DONE, "Task", FlowType.FEATURE, 4, utc(2020, 12, 3, 13, 5, 20, 974000), None, (), ()),
]
SEARCHES = {"jira/search.server-v2.many-issues.json": SEARCH_V2, "jira/search_jql.cloud-v3.trimmed.json": SEARCH_CLOUD}

EXPECTED = {**ISSUES, **WEBHOOKS, **SEARCHES}


def summary(item: NormalizedWorkItem) -> tuple:
    return (item.external_id, item.key, item.status_raw, item.status_category, item.type_raw, item.flow_type,
            item.severity, item.created_at, item.resolved_at and item.resolved_at.replace(microsecond=0),
            item.fix_versions, item.labels)


@pytest.mark.parametrize("relative", sorted(ISSUES))
def test_issue_fixture_becomes_work_item(relative):
    assert jira.parse_issue(load_fixture(relative)) == ISSUES[relative]


@pytest.mark.parametrize("relative", sorted(WEBHOOKS))
def test_webhook_fixture_becomes_work_item(relative):
    body = load_fixture(relative)
    event = jira.event_name({}, body)
    assert event == "jira:issue_updated"

    parsed = jira.parse_webhook(event, {}, body)

    assert parsed.ignored is None
    assert list(parsed.records) == [WEBHOOKS[relative]]


@pytest.mark.parametrize("relative", sorted(SEARCHES))
def test_search_fixture_becomes_work_items(relative):
    assert [summary(item) for item in jira.parse_search(load_fixture(relative))] == SEARCHES[relative]


def test_v2_search_items_link_to_their_server():
    items = jira.parse_search(load_fixture("jira/search.server-v2.many-issues.json"))
    assert items[0].url == "http://localhost:8090/jira/browse/TST-13"
    assert items[3].components == ("Component A", "Component B")


def test_cloud_search_items_take_the_base_url_given():
    items = jira.parse_search(load_fixture("jira/search_jql.cloud-v3.trimmed.json"), base_url="https://acme.atlassian.net")
    assert [i.url for i in items] == [f"https://acme.atlassian.net/browse/TEST-{n}" for n in (1, 2, 3)]


def test_history_is_ordered_and_flow_start_is_first_entry_into_progress():
    issue = load_fixture("jira/issue.server-v2.expand-changelog.json")
    issue["changelog"]["histories"] = [
        {"id": "3", "created": "2024-03-04T09:00:00.000+0000",
         "items": [{"field": "status", "fromString": "Blocked", "toString": "Done"}]},
        {"id": "1", "created": "2024-03-01T09:00:00.000+0100",
         "items": [{"field": "status", "fromString": "Open", "toString": "In Progress"},
                   {"field": "assignee", "fromString": "a", "toString": "b"}]},
        {"id": "2", "created": "2024-03-02T09:00:00.000+0000",
         "items": [{"field": "status", "fromString": "In Progress", "toString": "Blocked"}]},
    ]

    item = jira.parse_issue(issue)

    assert [(t.external_id, t.to_status, t.to_category, t.to_waiting) for t in item.transitions] == [
        ("1", "In Progress", DOING, False), ("2", "Blocked", DOING, True), ("3", "Done", DONE, False)]
    assert first_started_at(item.transitions) == utc(2024, 3, 1, 8)


def test_truncated_changelog_is_flagged():
    issue = load_fixture("jira/issue.server-v2.expand-changelog.json")
    issue["changelog"]["total"] = 140  # Jira embeds at most one page of history

    assert jira.parse_issue(issue).history_truncated is True


def test_connection_mapping_recategorises_and_retypes():
    body = load_fixture("jira/webhook.cloud.issue_updated.status-changed.json")
    mapping = Mapping.from_overrides({"status_categories": {"In Progress": "todo"}, "flow_types": {"tarea": "debt"},
                                      "priority_severity": {"highest": 2}})

    (item,) = jira.parse_webhook("jira:issue_updated", {}, body, mapping=mapping).records

    assert (item.status_category, item.flow_type, item.severity) == (TODO, FlowType.DEBT, 2)
    assert item.transitions[0].to_category == TODO


def test_epoch_timestamp_dates_a_webhook_change():
    body = load_fixture("jira/webhook.cloud.issue_updated.status-changed.json")
    body["timestamp"] = 1548852694870  # what real Jira sends: epoch milliseconds

    (item,) = jira.parse_webhook("jira:issue_updated", {}, body).records

    assert item.transitions[0].at == utc(2019, 1, 30, 12, 51, 34, 870000)


def test_issue_created_has_no_history_yet():
    body = load_fixture("jira/webhook.server.issue_updated.fields-updated.json")
    body["webhookEvent"] = "jira:issue_created"
    del body["changelog"]

    (item,) = jira.parse_webhook(jira.event_name({}, body), {}, body).records

    assert (item.key, item.status_category, item.transitions) == ("TEST-11", TODO, ())


@pytest.mark.parametrize(("event", "reason"), [
    ("jira:issue_deleted", "deleted issues are kept"),
    ("comment_created", "is not one Sluice reads"),
    ("", "is not one Sluice reads"),
])
def test_other_events_are_ignored(event, reason):
    parsed = jira.parse_webhook(event, {}, {"webhookEvent": event})
    assert parsed.records == () and reason in parsed.ignored


def test_issue_without_fields_names_the_field():
    with pytest.raises(PayloadError, match="^fields: missing"):
        jira.parse_issue({"id": "1", "key": "A-1"})


# Signature or shared secret ----------------------------------------------------------------------

SECRET = "jira-hook-secret"


def test_cloud_signed_delivery_passes():
    body = fixture_bytes("jira/webhook.cloud.issue_updated.status-changed.json")
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    jira.verify_webhook({"X-Hub-Signature": signature}, body, SECRET, query={})


def test_server_delivery_with_secret_in_url_passes():
    body = fixture_bytes("jira/webhook.server.issue_updated.status-changed.json")
    jira.verify_webhook({}, body, SECRET, query={"secret": SECRET})


@pytest.mark.parametrize(("headers", "query", "message"), [
    ({}, {}, "missing X-Hub-Signature header, X-Sluice-Token header or 'secret' query parameter"),
    ({}, {"secret": "guess"}, "does not match"),
    ({"X-Sluice-Token": "guess"}, {}, "X-Sluice-Token header does not match"),
    ({"X-Sluice-Token": "guess"}, {"secret": SECRET}, "X-Sluice-Token header does not match"),
    ({"X-Hub-Signature": "sha256=00"}, {"secret": SECRET}, "X-Hub-Signature does not match"),
])
def test_bad_or_missing_secret_is_refused(headers, query, message):
    body = fixture_bytes("jira/webhook.server.issue_updated.status-changed.json")
    with pytest.raises(SignatureError, match=message):
        jira.verify_webhook(headers, body, SECRET, query=query)


# Pull: the search fixture served page by page ------------------------------------------------------

SEARCH = "jira/search.server-v2.many-issues.json"
HIGH_WATER = "2012-12-07T15:08:20+00:00"  # TST-13's updated, 2012-12-07T16:08:20.000+0100


def serve_v2_search(server, relative=SEARCH):
    fixture = load_fixture(relative)

    def respond(seen):
        start, size = int(seen.query["startAt"]), int(seen.query["maxResults"])
        return Reply(body={**fixture, "startAt": start, "maxResults": size, "total": len(fixture["issues"]),
                           "issues": fixture["issues"][start:start + size]})
    server.route("/rest/api/2/search", respond)


def v2_client(server, sleeps, **options):
    return jira.Client(base_url=server.url, credentials=Credentials(username="sync-bot", password="api-token"),
                       page_size=3, sleep=sleeps, **options)


def keys(pages):
    return [[item.key for item in page.records] for page in pages]


def test_v2_search_pages_by_start_at(server, sleeps):
    serve_v2_search(server)

    pages = list(v2_client(server, sleeps).issue_pages())

    assert keys(pages) == [["TST-13", "TST-12", "TST-11"], ["TST-10", "TST-9", "TST-8"], ["TST-7", "TST-6"]]
    assert [p.cursor for p in pages] == [
        {"since": None, "start_at": 3, "high_water": HIGH_WATER},
        {"since": None, "start_at": 6, "high_water": HIGH_WATER},
        {"since": HIGH_WATER},  # the next incremental sync starts at the newest update seen
    ]
    first = server.hits("/rest/api/2/search")[0]
    assert first.query == {"jql": "ORDER BY updated ASC, key ASC", "startAt": "0", "maxResults": "3",
                           "fields": ",".join(jira.FIELDS), "expand": "changelog"}
    assert first.headers["Authorization"].startswith("Basic ")
    assert pages[1].records[2] == jira.parse_issue(load_fixture(SEARCH)["issues"][5], base_url=server.url)


def test_v2_sync_killed_after_page_two_resumes_at_page_three(server, sleeps):
    serve_v2_search(server)
    pages = v2_client(server, sleeps).issue_pages()
    saved = [next(pages), next(pages)][-1].cursor  # the cursor saved with page 2's rows; then the worker dies
    pages.close()

    resumed = list(v2_client(server, sleeps).issue_pages(saved))

    assert keys(resumed) == [["TST-7", "TST-6"]]
    assert [s.query["startAt"] for s in server.hits("/rest/api/2/search")] == ["0", "3", "6"]
    assert resumed[-1].cursor == {"since": HIGH_WATER}


def test_incremental_query_uses_the_account_time_zone(server, sleeps):
    serve_v2_search(server)

    list(v2_client(server, sleeps, jql="project = TST", time_zone="Europe/Berlin").issue_pages({"since": HIGH_WATER}))

    assert server.hits("/rest/api/2/search")[0].query["jql"] == (
        '(project = TST) AND updated >= "2012-12-07 16:08" ORDER BY updated ASC, key ASC')


def test_account_time_zone(server, sleeps):
    server.route("/rest/api/2/myself", {"name": "sync-bot", "timeZone": "Europe/Berlin"})
    assert v2_client(server, sleeps).account_time_zone() == "Europe/Berlin"


def serve_cloud_search(server):
    issues = load_fixture("jira/search_jql.cloud-v3.trimmed.json")["issues"]
    pages = {None: (issues[0:1], "tok-1"), "tok-1": (issues[1:2], "tok-2"), "tok-2": (issues[2:3], None)}

    def respond(seen):
        chunk, token = pages[seen.query.get("nextPageToken")]
        return Reply(body={"issues": chunk, "isLast": token is None} | ({"nextPageToken": token} if token else {}))
    server.route("/rest/api/3/search/jql", respond)


def test_cloud_search_pages_by_token_and_resumes(server, sleeps):
    serve_cloud_search(server)
    client = jira.Client(base_url=server.url, credentials=Credentials(username="me@acme.test", password="api-token"),
                         api="cloud", page_size=1, sleep=sleeps)

    pages = client.issue_pages()
    first = next(pages)
    pages.close()
    resumed = list(client.issue_pages(first.cursor))

    assert keys([first, *resumed]) == [["TEST-1"], ["TEST-2"], ["TEST-3"]]
    assert first.cursor == {"since": None, "page_token": "tok-1", "high_water": "2020-12-03T13:05:20.974000+00:00"}
    assert resumed[-1].cursor == {"since": "2020-12-03T13:05:20.974000+00:00"}
    assert [s.query.get("nextPageToken") for s in server.hits("/rest/api/3/search/jql")] == [None, "tok-1", "tok-2"]
    assert resumed[0].records[0].url == f"{server.url}/browse/TEST-2"


def test_a_server_under_a_context_path(server, sleeps):
    issue = load_fixture("jira/issue.server-v2.expand-changelog.json")
    server.route("/jira/rest/api/2/search", {"startAt": 0, "maxResults": 3, "total": 1, "issues": [issue]})

    client = jira.Client(base_url=f"{server.url}/jira/", credentials=Credentials(token="pat"), sleep=sleeps)
    (page,) = list(client.issue_pages())

    assert [item.key for item in page.records] == ["HST-1"]
    assert server.hits("/jira/rest/api/2/search")[0].headers["Authorization"] == "Bearer pat"
