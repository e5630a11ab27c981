"""The catalog API: /services/, /value-streams/, /teams/ of one organization, by slug."""

from __future__ import annotations

import pytest

from tests.factories import (
    MembershipFactory,
    ServiceFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
    ValueStreamFactory,
)
from vsm.audit.models import AuditEvent
from vsm.catalog.models import Service, Team
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

ENDPOINTS = ["services", "value-streams", "teams"]


def url(org, path: str) -> str:
    return f"/api/v1/orgs/{org.slug}/{path}"


def fields_of(response) -> set[str]:
    return set(response.json()["error"].get("fields", {}))


def events(in_org, org, object_type: str = "catalog.") -> list[AuditEvent]:
    """The catalog's audit events (the fixtures' token creation is audited too)."""
    with in_org(org):
        return list(AuditEvent.objects.filter(object_type__startswith=object_type).order_by("id"))


# --- services -----------------------------------------------------------------------------------

def test_a_service_goes_through_its_whole_life(api_a, org_a, org_b, rows_b, stream_a, team_a, in_org):
    created = api_a.post(url(org_a, "services/"), {
        "name": "Payments API", "value_stream": "payments", "team": "checkout",
        "repository_url": "https://git.example.com/acme/payments-api"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json() | {"created_at": None} == {
        "slug": "payments-api", "name": "Payments API", "description": "",
        "repository_url": "https://git.example.com/acme/payments-api",
        "value_stream": "payments", "team": "checkout", "created_at": None}

    detail = url(org_a, "services/payments-api/")
    assert api_a.get(detail).json()["name"] == "Payments API"
    patched = api_a.patch(detail, {"team": None, "description": "moves money"}, format="json")
    assert patched.status_code == 200 and patched.json()["team"] is None
    assert patched.json()["value_stream"] == "payments"
    # PUT replaces: what it leaves out goes back to empty (the slug stays).
    put = api_a.put(detail, {"name": "Payments"}, format="json")
    assert put.status_code == 200
    assert put.json() | {"created_at": None} == {
        "slug": "payments-api", "name": "Payments", "description": "", "repository_url": "",
        "value_stream": None, "team": None, "created_at": None}
    assert api_a.delete(detail).status_code == 204
    assert api_a.get(detail).status_code == 404

    trail = events(in_org, org_a, "catalog.service")
    assert [e.action for e in trail] == ["service.created", "service.updated", "service.updated", "service.deleted"]
    assert trail[0].before is None and trail[0].after["slug"] == "payments-api"
    assert trail[1].before["team_id"] == team_a.pk and trail[1].after["team_id"] is None
    assert trail[2].before["name"] == "Payments API" and trail[2].after["name"] == "Payments"
    assert trail[3].before["name"] == "Payments" and trail[3].after is None
    assert all(e.actor_label == "token:ci" for e in trail)
    with in_org(org_b):
        assert Service.objects.get().name == "CANARY-B service"  # org B's twin is untouched


def test_a_patch_that_changes_nothing_records_nothing(api_a, org_a, org_b, in_org):
    ServiceFactory(organization=org_a, name="Same", slug="same")
    assert api_a.patch(url(org_a, "services/same/"), {"name": "Same"}, format="json").status_code == 200
    assert events(in_org, org_a, "catalog.service") == []


BAD_SERVICES = [
    pytest.param({}, "name", id="missing-name"),
    pytest.param({"name": ""}, "name", id="empty-name"),
    pytest.param({"name": "x" * 121}, "name", id="huge-name"),
    pytest.param({"name": "x" * 100_000}, "name", id="enormous-name"),
    pytest.param({"name": ["a", "list"]}, "name", id="name-list"),
    pytest.param({"name": {"a": 1}}, "name", id="name-object"),
    pytest.param({"name": True}, "name", id="name-bool"),
    pytest.param({"name": "nul\x00byte"}, "name", id="name-nul"),
    pytest.param({"name": "Ok", "value_stream": "nul\x00byte"}, "value_stream", id="stream-nul"),
    pytest.param({"name": "!!!"}, "slug", id="name-without-slug-characters"),
    pytest.param({"name": "Ok", "slug": "Not a slug!"}, "slug", id="bad-slug"),
    pytest.param({"name": "Ok", "slug": "s" * 61}, "slug", id="huge-slug"),
    pytest.param({"name": "Ok", "value_stream": "no-such-stream"}, "value_stream", id="unknown-stream"),
    pytest.param({"name": "Ok", "value_stream": 12}, "value_stream", id="stream-number"),
    pytest.param({"name": "Ok", "value_stream": "payments"}, "value_stream", id="org-b-stream"),
    pytest.param({"name": "Ok", "team": "checkout"}, "team", id="org-b-team"),
    pytest.param({"name": "Ok", "team": ["checkout"]}, "team", id="team-list"),
    pytest.param({"name": "Ok", "repository_url": "not a url"}, "repository_url", id="bad-url"),
    pytest.param({"name": "Ok", "description": "x" * 5001}, "description", id="huge-description"),
]


@pytest.mark.parametrize("payload, field", BAD_SERVICES)
def test_bad_service_input_gets_400_naming_the_field(api_a, org_a, rows_b, in_org, payload, field):
    response = api_a.post(url(org_a, "services/"), payload, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["error"]["code"] == "invalid"
    assert field in fields_of(response)
    with in_org(org_a):
        assert not Service.objects.exists()
    assert events(in_org, org_a) == []


# A change may leave the name out, and a name without slug characters keeps the slug it has.
BAD_SERVICE_CHANGES = [p for p in BAD_SERVICES if p.id not in ("missing-name", "name-without-slug-characters")]


@pytest.mark.parametrize("payload, field", BAD_SERVICE_CHANGES)
def test_bad_service_changes_get_400_naming_the_field(api_a, org_a, rows_b, in_org, payload, field):
    ServiceFactory(organization=org_a, name="Keep", slug="keep", value_stream=None, team=None)
    response = api_a.patch(url(org_a, "services/keep/"), payload, format="json")
    assert response.status_code == 400 and field in fields_of(response)
    with in_org(org_a):
        assert Service.objects.get().name == "Keep"


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("body, code", [
    ("{not json", "parse_error"),
    ("[1, 2]", "invalid"),
    ('"just a string"', "invalid"),
])
def test_malformed_bodies_get_400(api_a, org_a, org_b, endpoint, body, code):
    response = api_a.post(url(org_a, f"{endpoint}/"), body, content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == code


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_taken_slug_conflicts_with_409(api_a, org_a, rows_b, endpoint):
    first = api_a.post(url(org_a, f"{endpoint}/"), {"name": "One", "slug": "taken"}, format="json")
    assert first.status_code == 201
    again = api_a.post(url(org_a, f"{endpoint}/"), {"name": "Two", "slug": "taken"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict" and "slug" in fields_of(again)
    assert again.json()["error"]["details"] == {"conflicts_with": ["taken"]}
    api_a.post(url(org_a, f"{endpoint}/"), {"name": "Three", "slug": "other"}, format="json")
    renamed = api_a.patch(url(org_a, f"{endpoint}/other/"), {"slug": "taken"}, format="json")
    assert renamed.status_code == 409 and "slug" in fields_of(renamed)


@pytest.mark.parametrize("endpoint, slug", [
    ("services", "payments-api"), ("value-streams", "payments"), ("teams", "checkout")])
def test_org_b_slugs_are_free_in_org_a(api_a, org_a, rows_b, endpoint, slug):
    response = api_a.post(url(org_a, f"{endpoint}/"), {"name": "Mine", "slug": slug}, format="json")
    assert response.status_code == 201
    assert "CANARY" not in api_a.get(url(org_a, f"{endpoint}/")).content.decode()


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_viewer_reads_but_cannot_write(api_viewer_a, org_a, org_b, in_org, endpoint):
    ServiceFactory(organization=org_a, slug="existing", value_stream__slug="existing", team__slug="existing")
    assert api_viewer_a.get(url(org_a, f"{endpoint}/")).status_code == 200
    assert api_viewer_a.get(url(org_a, f"{endpoint}/existing/")).status_code == 200
    attempts = [
        api_viewer_a.post(url(org_a, f"{endpoint}/"), {"name": "New"}, format="json"),
        api_viewer_a.patch(url(org_a, f"{endpoint}/existing/"), {"name": "Renamed"}, format="json"),
        api_viewer_a.put(url(org_a, f"{endpoint}/existing/"), {"name": "Renamed"}, format="json"),
        api_viewer_a.delete(url(org_a, f"{endpoint}/existing/")),
    ]
    assert [r.status_code for r in attempts] == [403] * 4
    assert attempts[0].json()["error"]["code"] == "permission_denied"
    assert events(in_org, org_a) == []


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_org_b_entries_are_not_found(api_owner_a, org_a, rows_b, endpoint):
    slug = {"services": "payments-api", "value-streams": "payments", "teams": "checkout"}[endpoint]
    for method in ("get", "patch", "put", "delete"):
        response = getattr(api_owner_a, method)(url(org_a, f"{endpoint}/{slug}/"), {"name": "x"}, format="json")
        assert response.status_code == 404 and "CANARY" not in response.content.decode()


# --- lists: filters, pagination, query budget ---------------------------------------------------

def test_services_filter_by_value_stream_team_and_search(api_a, org_a, rows_b, stream_a, team_a):
    other_stream = ValueStreamFactory(organization=org_a, slug="lending")
    ServiceFactory(organization=org_a, name="Payments API", slug="payments-api", value_stream=stream_a, team=team_a)
    ServiceFactory(organization=org_a, name="Ledger", slug="ledger", value_stream=stream_a, team=None)
    ServiceFactory(organization=org_a, name="Loans", slug="loans", value_stream=other_stream, team=team_a)

    def slugs(**params):
        response = api_a.get(url(org_a, "services/"), params)
        assert response.status_code == 200, response.json()
        return [s["slug"] for s in response.json()["results"]]

    assert slugs() == ["ledger", "loans", "payments-api"]
    assert slugs(value_stream="payments") == ["ledger", "payments-api"]
    assert slugs(team="checkout") == ["loans", "payments-api"]
    assert slugs(value_stream="payments", team="checkout") == ["payments-api"]
    assert slugs(search="LED") == ["ledger"]
    assert slugs(search="payments-") == ["payments-api"]


@pytest.mark.parametrize("params, field", [
    ({"value_stream": "nope"}, "value_stream"),
    ({"team": "nope"}, "team"),
    ({"search": "x" * 200}, "search"),
])
def test_bad_service_filters_get_400(api_a, org_a, rows_b, params, field):
    response = api_a.get(url(org_a, "services/"), params)
    assert response.status_code == 400 and field in fields_of(response)


def test_lists_are_paginated(api_a, org_a, org_b):
    ServiceFactory.create_batch(7, organization=org_a)
    page = api_a.get(url(org_a, "services/"), {"page_size": 5}).json()
    assert page["count"] == 7 and len(page["results"]) == 5 and page["next"]
    second = api_a.get(url(org_a, "services/"), {"page_size": 5, "page": 2}).json()
    assert len(second["results"]) == 2 and second["next"] is None


def _fill(org, rows: int) -> None:
    """`rows` services, value streams and teams; every team with three members."""
    people = [MembershipFactory(organization=org).user for _ in range(3)]
    for _ in range(rows):
        team = TeamFactory(organization=org)
        for user in people:
            TeamMemberFactory(organization=org, team=team, user=user, is_manager=user is people[0])
        ServiceFactory(organization=org, team=team, value_stream=ValueStreamFactory(organization=org))


# org, context set, token, token last use, count, page, context reset; teams: + their members
LIST_BUDGET = {"services": 7, "value-streams": 7, "teams": 8}


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_list_query_budget_does_not_grow_with_rows(api_a, org_a, org_b, django_assert_max_num_queries,
                                                   endpoint, rows):
    _fill(org_a, rows)
    with django_assert_max_num_queries(LIST_BUDGET[endpoint]):
        response = api_a.get(url(org_a, f"{endpoint}/"))
    assert response.status_code == 200 and response.json()["count"] == rows


# --- teams and their members --------------------------------------------------------------------

@pytest.fixture
def people(org_a, member_factory):
    return {
        "ana": member_factory(Role.ENGINEER, email="ana@acme.test"),
        "bo": member_factory(Role.VIEWER, email="bo@acme.test"),
    }


def test_a_team_is_created_with_members_and_managers(api_a, org_a, org_b, people, in_org):
    response = api_a.post(url(org_a, "teams/"), {
        "name": "Checkout", "members": ["ana@acme.test", "BO@acme.test"], "managers": ["ana@acme.test"]},
        format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["slug"] == "checkout"
    assert body["members"] == ["ana@acme.test", "bo@acme.test"] and body["managers"] == ["ana@acme.test"]
    trail = events(in_org, org_a, "catalog.team")
    assert [e.action for e in trail] == ["team.created", "team.members_changed"]
    assert trail[1].before == {"members": [], "managers": []}
    assert trail[1].after == {"members": ["ana@acme.test", "bo@acme.test"], "managers": ["ana@acme.test"]}


def test_team_members_change_by_patch(api_a, org_a, org_b, people, in_org):
    api_a.post(url(org_a, "teams/"), {"name": "Checkout", "members": ["ana@acme.test"]}, format="json")
    detail = url(org_a, "teams/checkout/")
    body = api_a.patch(detail, {"members": ["ana@acme.test", "bo@acme.test"], "managers": ["bo@acme.test"]},
                       format="json").json()
    assert body["members"] == ["ana@acme.test", "bo@acme.test"] and body["managers"] == ["bo@acme.test"]
    # Leaving members out keeps them; leaving managers out keeps those who are still members.
    assert api_a.patch(detail, {"description": "pays"}, format="json").json()["members"] == body["members"]
    body = api_a.patch(detail, {"members": ["bo@acme.test"]}, format="json").json()
    assert body["members"] == ["bo@acme.test"] and body["managers"] == ["bo@acme.test"]
    body = api_a.put(detail, {"name": "Checkout"}, format="json").json()
    assert body["members"] == ["bo@acme.test"] and body["description"] == ""


@pytest.mark.parametrize("payload, field", [
    pytest.param({"members": ["nobody@acme.test"]}, "members", id="unknown-email"),
    pytest.param({"members": ["canary-b@globex.test"]}, "members", id="member-of-org-b-only"),
    pytest.param({"members": ["not-an-email"]}, "members", id="not-an-email"),
    pytest.param({"members": "ana@acme.test"}, "members", id="not-a-list"),
    pytest.param({"members": [{"email": "ana@acme.test"}]}, "members", id="objects"),
    pytest.param({"members": ["ana@acme.test"] * 501}, "members", id="too-many"),
    pytest.param({"members": ["ana@acme.test"], "managers": ["bo@acme.test"]}, "managers", id="manager-not-member"),
    pytest.param({"managers": ["nobody@acme.test"]}, "managers", id="unknown-manager"),
])
def test_bad_team_members_get_400_naming_the_field(api_a, org_a, org_b, people, in_org, payload, field):
    MembershipFactory(organization=org_b, user=UserFactory(email="canary-b@globex.test"))
    response = api_a.post(url(org_a, "teams/"), {"name": "Checkout", **payload}, format="json")
    assert response.status_code == 400, response.json()
    assert any(name.startswith(field) for name in fields_of(response)), response.json()
    with in_org(org_a):
        assert not Team.objects.exists()  # the team and its members are written together or not at all
    assert events(in_org, org_a) == []


@pytest.mark.parametrize("endpoint", ["value-streams", "teams"])
def test_deleting_a_grouping_keeps_its_services_and_says_so(api_a, org_a, org_b, in_org, endpoint):
    stream, team = ValueStreamFactory(organization=org_a, slug="grp"), TeamFactory(organization=org_a, slug="grp")
    ServiceFactory(organization=org_a, slug="kept", value_stream=stream, team=team)
    assert api_a.delete(url(org_a, f"{endpoint}/grp/")).status_code == 204
    assert api_a.get(url(org_a, "services/kept/")).status_code == 200
    [deleted] = [e for e in events(in_org, org_a) if e.action.endswith(".deleted")]
    assert deleted.before["slug"] == "grp" and "kept" in deleted.message


def test_value_stream_payload_counts_services(api_a, org_a, org_b, stream_a):
    ServiceFactory.create_batch(2, organization=org_a, value_stream=stream_a)
    body = api_a.get(url(org_a, "value-streams/payments/")).json()
    assert body | {"created_at": None} == {
        "slug": "payments", "name": "Payments", "description": "", "service_count": 2, "created_at": None}
