"""Catalog pages under /o/<org>/catalog/: lists with filters, forms, confirmation, roles."""

from __future__ import annotations

import pytest

from tests.factories import ServiceFactory, TeamFactory, TeamMemberFactory, ValueStreamFactory
from vsm.audit.models import AuditEvent
from vsm.catalog import services
from vsm.catalog.models import Service, Team, TeamMember, ValueStream
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def page(org, path: str = "") -> str:
    return f"/o/{org.slug}/catalog/{path}"


def form_errors(response) -> dict:
    return response.context["form"].errors


def catalog_events(in_org, org) -> list[AuditEvent]:
    with in_org(org):
        return list(AuditEvent.objects.filter(object_type__startswith="catalog.").order_by("id"))


@pytest.fixture
def engineer_client(client, member_factory):
    client.force_login(member_factory(Role.ENGINEER, email="eng@acme.test"))
    return client


@pytest.fixture
def viewer_client(client, member_factory):
    client.force_login(member_factory(Role.VIEWER, email="viewer@acme.test"))
    return client


# --- the services list --------------------------------------------------------------------------

def test_the_list_shows_this_orgs_services_only(client_a, org_a, rows_b, stream_a, team_a):
    ServiceFactory(organization=org_a, name="Payments API", slug="payments-api", value_stream=stream_a, team=team_a)
    response = client_a.get(page(org_a))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Payments API" in body and "Checkout" in body and "CANARY-B" not in body


def test_filters_narrow_the_list(client_a, org_a, rows_b, stream_a, team_a):
    ServiceFactory(organization=org_a, name="Payments API", slug="payments-api", value_stream=stream_a, team=team_a)
    ServiceFactory(organization=org_a, name="Ledger", slug="ledger", value_stream=stream_a, team=None)
    ServiceFactory(organization=org_a, name="Loans", slug="loans", value_stream=None, team=team_a)

    def names(**params):
        response = client_a.get(page(org_a), params)
        assert response.status_code == 200
        return [s.name for s in response.context["page_obj"]]

    assert names() == ["Ledger", "Loans", "Payments API"]
    assert names(value_stream="payments") == ["Ledger", "Payments API"]
    assert names(team="checkout") == ["Loans", "Payments API"]
    assert names(value_stream="payments", team="checkout", q="api") == ["Payments API"]
    assert names(q="LOAN") == ["Loans"]


@pytest.mark.parametrize("params, field", [
    ({"value_stream": "no-such-stream"}, "value_stream"),
    ({"value_stream": "payments"}, "value_stream"),  # org B's slug: not a choice here
    ({"team": "checkout"}, "team"),
    ({"q": "x" * 200}, "q"),
])
def test_bad_filters_answer_400_with_the_field(client_a, org_a, rows_b, params, field):
    response = client_a.get(page(org_a), params)
    assert response.status_code == 400 and field in form_errors(response)
    assert "CANARY-B" not in response.content.decode()


def test_pages_keep_the_filters(client_a, org_a, org_b, stream_a):
    ServiceFactory.create_batch(30, organization=org_a, value_stream=stream_a)
    response = client_a.get(page(org_a), {"value_stream": "payments"})
    assert response.context["page_obj"].paginator.num_pages == 2
    assert "?value_stream=payments&amp;page=2" in response.content.decode()
    second = client_a.get(page(org_a), {"value_stream": "payments", "page": 2})
    assert len(second.context["page_obj"]) == 5
    assert client_a.get(page(org_a), {"page": "999"}).context["page_obj"].number == 2  # nearest page


@pytest.mark.parametrize("make_client, call_to_action", [("engineer_client", True), ("viewer_client", False)])
def test_an_empty_catalog_invites_to_add_the_first_service(request, org_a, org_b, make_client, call_to_action):
    ServiceFactory(organization=org_b)
    body = request.getfixturevalue(make_client).get(page(org_a)).content.decode()
    assert 'data-testid="empty-catalog"' in body
    assert (page(org_a, "new/service/") in body) is call_to_action


def test_a_filter_without_results_says_so(client_a, org_a, org_b, stream_a):
    ServiceFactory(organization=org_a, value_stream=None)
    body = client_a.get(page(org_a), {"value_stream": "payments"}).content.decode()
    assert 'data-testid="no-match"' in body and 'data-testid="empty-catalog"' not in body


def _fill(org, rows: int) -> None:
    for _ in range(rows):
        team = TeamFactory(organization=org)
        TeamMemberFactory(organization=org, team=team, is_manager=True)
        ServiceFactory(organization=org, team=team, value_stream=ValueStreamFactory(organization=org))


# session, user, org, context set, membership, org switcher (4), count, page, context reset;
# the services list: + the filters' value streams and teams; teams: + their members
PAGE_BUDGET = {"": 14, "value-streams/": 12, "teams/": 13}


@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("path", list(PAGE_BUDGET))
def test_list_pages_query_budget_does_not_grow_with_rows(client_a, org_a, org_b, django_assert_max_num_queries,
                                                         path, rows):
    _fill(org_a, rows)
    with django_assert_max_num_queries(PAGE_BUDGET[path]):
        response = client_a.get(page(org_a, path))
    assert response.status_code == 200 and response.context["page_obj"].paginator.count == rows


# --- create, edit, delete -----------------------------------------------------------------------

def test_a_service_is_created_from_the_form(engineer_client, org_a, org_b, stream_a, team_a, in_org):
    response = engineer_client.post(page(org_a, "new/service/"), {
        "name": "Payments API", "value_stream": "payments", "team": "checkout",
        "repository_url": "https://git.example.com/acme/payments-api", "description": ""})
    assert response.status_code == 302 and response["Location"] == page(org_a, "services/payments-api/")
    with in_org(org_a):
        assert Service.objects.values_list("value_stream", "team").get() == (stream_a.pk, team_a.pk)
    [event] = catalog_events(in_org, org_a)
    assert event.action == "service.created" and event.actor_label == "eng@acme.test"
    assert event.before is None and event.after["value_stream_id"] == stream_a.pk
    detail = engineer_client.get(response["Location"]).content.decode()
    assert "Payments API" in detail and "git.example.com/acme/payments-api" in detail


BAD_SERVICE_FORMS = [
    pytest.param({}, "name", id="missing-name"),
    pytest.param({"name": "x" * 121}, "name", id="huge-name"),
    pytest.param({"name": "Ok", "slug": "not a slug!"}, "slug", id="bad-slug"),
    pytest.param({"name": "!!!"}, "slug", id="name-without-slug-characters"),
    pytest.param({"name": "Ok", "value_stream": "no-such-stream"}, "value_stream", id="unknown-stream"),
    pytest.param({"name": "Ok", "value_stream": "nul\x00byte"}, "value_stream", id="stream-nul"),
    pytest.param({"name": "nul\x00byte"}, "name", id="name-nul"),
    pytest.param({"name": "Ok", "team": "checkout"}, "team", id="org-b-team"),
    pytest.param({"name": "Ok", "repository_url": "not a url at all"}, "repository_url", id="bad-url"),
    pytest.param({"name": "Ok", "description": "x" * 5001}, "description", id="huge-description"),
]


@pytest.mark.parametrize("data, field", BAD_SERVICE_FORMS)
def test_bad_service_forms_are_shown_again_with_400(client_a, org_a, rows_b, in_org, data, field):
    response = client_a.post(page(org_a, "new/service/"), data)
    assert response.status_code == 400 and field in form_errors(response)
    assert 'class="error"' in response.content.decode()
    with in_org(org_a):
        assert not Service.objects.exists()


KINDS = [
    pytest.param("new/service/", "services/{slug}/", Service, id="service"),
    pytest.param("new/value-stream/", "value-streams/{slug}/", ValueStream, id="value-stream"),
    pytest.param("new/team/", "teams/{slug}/", Team, id="team"),
]


@pytest.mark.parametrize("create, entry, model", KINDS)
def test_a_taken_slug_answers_409_on_the_form(client_a, org_a, org_b, in_org, create, entry, model):
    assert client_a.post(page(org_a, create), {"name": "First", "slug": "taken"}).status_code == 302
    response = client_a.post(page(org_a, create), {"name": "Second", "slug": "taken"})
    assert response.status_code == 409
    assert form_errors(response)["slug"] == ["'taken' is taken"]
    client_a.post(page(org_a, create), {"name": "Other", "slug": "other"})
    renamed = client_a.post(page(org_a, entry.format(slug="other") + "edit/"), {"name": "Other", "slug": "taken"})
    assert renamed.status_code == 409 and "slug" in form_errors(renamed)
    with in_org(org_a):
        assert sorted(model.objects.values_list("name", flat=True)) == ["First", "Other"]


@pytest.mark.parametrize("create, entry, model", KINDS)
def test_an_entry_is_edited_and_deleted_after_confirmation(client_a, org_a, org_b, in_org, create, entry, model):
    client_a.post(page(org_a, create), {"name": "Before", "slug": "before"})
    edit = page(org_a, entry.format(slug="before") + "edit/")
    shown = client_a.get(edit)
    assert shown.status_code == 200 and shown.context["form"].initial["name"] == "Before"
    assert client_a.post(edit, {"name": "Before", "slug": ""}).status_code == 400  # an edit keeps a slug
    assert client_a.post(edit, {"name": "After", "slug": "after"}).status_code == 302

    delete = page(org_a, entry.format(slug="after") + "delete/")
    confirm = client_a.get(delete)
    assert confirm.status_code == 200 and 'data-testid="confirm-delete"' in confirm.content.decode()
    with in_org(org_a):
        assert model.objects.filter(slug="after").exists()  # asking is not deleting
    assert client_a.post(delete).status_code == 302
    with in_org(org_a):
        assert not model.objects.exists()

    trail = catalog_events(in_org, org_a)
    label = model._meta.model_name
    assert [e.action for e in trail] == [f"{label}.created", f"{label}.updated", f"{label}.deleted"]
    assert trail[1].before["slug"] == "before" and trail[1].after["slug"] == "after"
    assert trail[2].before["name"] == "After" and trail[2].after is None


def test_the_delete_confirmation_says_what_happens_to_services(client_a, org_a, org_b, stream_a):
    ServiceFactory(organization=org_a, name="Ledger", value_stream=stream_a)
    body = client_a.get(page(org_a, "value-streams/payments/delete/")).content.decode()
    assert "1 service(s) will no longer belong to a value stream: Ledger." in body


@pytest.mark.parametrize("method, path", [
    ("get", "new/service/"), ("post", "new/service/"), ("get", "new/value-stream/"), ("post", "new/team/"),
    ("get", "services/existing/edit/"), ("post", "services/existing/edit/"),
    ("get", "services/existing/delete/"), ("post", "services/existing/delete/"),
    ("get", "teams/existing/members/"), ("post", "teams/existing/members/"),
])
def test_a_viewer_cannot_change_the_catalog(viewer_client, org_a, org_b, in_org, method, path):
    ServiceFactory(organization=org_a, name="Existing", slug="existing", team__slug="existing")
    response = getattr(viewer_client, method)(page(org_a, path), {"name": "Changed"})
    assert response.status_code == 403
    with in_org(org_a):
        assert Service.objects.get().name == "Existing"


def test_a_viewer_reads_the_catalog_without_edit_links(viewer_client, org_a, org_b, stream_a, team_a):
    ServiceFactory(organization=org_a, slug="existing", value_stream=stream_a, team=team_a)
    for path in ("", "value-streams/", "teams/", "services/existing/", "teams/checkout/"):
        response = viewer_client.get(page(org_a, path))
        assert response.status_code == 200, path
        assert "/edit/" not in response.content.decode() and "/new/" not in response.content.decode()


@pytest.mark.parametrize("method, path", [
    ("get", "services/payments-api/"), ("get", "teams/checkout/"),
    *((method, path) for method in ("get", "post") for path in (
        "services/payments-api/edit/", "services/payments-api/delete/", "value-streams/payments/edit/",
        "value-streams/payments/delete/", "teams/checkout/edit/", "teams/checkout/members/",
        "teams/checkout/delete/")),
])
def test_org_b_entries_are_not_found(client_a, org_a, rows_b, in_org, method, path):
    response = getattr(client_a, method)(page(org_a, path), {"name": "x", "slug": "x"})
    assert response.status_code == 404 and "CANARY-B" not in response.content.decode()


@pytest.mark.parametrize("role, sees_history", [
    (Role.OWNER, True), (Role.RELEASE_MANAGER, True), (Role.ENGINEER, False), (Role.VIEWER, False)])
def test_recent_changes_show_to_those_who_may_read_the_trail(client, org_a, org_b, actor_a, in_org, member_factory,
                                                            role, sees_history):
    with in_org(org_a):
        services.service_create(actor=actor_a, name="Tracked")
    client.force_login(member_factory(role))
    body = client.get(page(org_a, "services/tracked/")).content.decode()
    assert ("service created" in body) is sees_history


# --- team members -------------------------------------------------------------------------------

@pytest.fixture
def people(org_a, member_factory):
    return {name: member_factory(Role.ENGINEER, email=f"{name}@acme.test") for name in ("ana", "bo")}


def test_team_members_are_chosen_among_the_orgs_members(client_a, org_a, org_b, team_a, people, in_org,
                                                         member_factory):
    member_factory(Role.ENGINEER, org=org_b, email="canary-b@globex.test")
    members_page = page(org_a, "teams/checkout/members/")
    shown = client_a.get(members_page).content.decode()
    assert "ana@acme.test" in shown and "canary-b@globex.test" not in shown
    response = client_a.post(members_page, {"members": ["ana@acme.test", "bo@acme.test"],
                                            "managers": ["ana@acme.test"]})
    assert response.status_code == 302 and response["Location"] == page(org_a, "teams/checkout/")
    with in_org(org_a):
        assert sorted(TeamMember.objects.values_list("user__email", "is_manager")) == [
            ("ana@acme.test", True), ("bo@acme.test", False)]
    body = client_a.get(page(org_a, "teams/checkout/")).content.decode()
    assert "ana@acme.test" in body and "manager" in body
    [event] = [e for e in catalog_events(in_org, org_a) if e.action == "team.members_changed"]
    assert event.before == {"members": [], "managers": []}
    assert event.after == {"members": ["ana@acme.test", "bo@acme.test"], "managers": ["ana@acme.test"]}


@pytest.mark.parametrize("data, field", [
    pytest.param({"members": ["canary-b@globex.test"]}, "members", id="member-of-org-b"),
    pytest.param({"members": ["nobody@acme.test"]}, "members", id="unknown"),
    pytest.param({"members": ["ana@acme.test"], "managers": ["bo@acme.test"]}, "managers", id="manager-not-member"),
])
def test_bad_team_members_answer_400(client_a, org_a, org_b, team_a, people, in_org, member_factory, data, field):
    member_factory(Role.ENGINEER, org=org_b, email="canary-b@globex.test")
    response = client_a.post(page(org_a, "teams/checkout/members/"), data)
    assert response.status_code == 400 and field in form_errors(response)
    with in_org(org_a):
        assert not TeamMember.objects.exists()
