"""/api/v1/orgs/<org>/members/: owners and administrators manage who belongs, by email."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import MembershipFactory
from vsm.audit.models import AuditEvent
from vsm.tenancy.models import Membership
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def url(org, path: str = "") -> str:
    return f"/api/v1/orgs/{org.slug}/members/{path}"


def api_as(token_factory, org, role) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_factory(org, role=role, name=f'{role}-token')}")
    return client


def member_events(in_org, org) -> list[AuditEvent]:
    with in_org(org):
        return list(AuditEvent.objects.filter(action__startswith="membership.").order_by("id"))


@pytest.fixture
def member_b(org_b):
    return MembershipFactory(organization=org_b, user__email="canary-b@globex.test", user__full_name="CANARY-B")


def test_members_are_listed_with_email_and_role(api_owner_a, org_a, owner_a, member_b, member_factory):
    member_factory(Role.VIEWER, email="viewer@acme.test")
    response = api_owner_a.get(url(org_a))
    assert response.status_code == 200
    assert [(m["email"], m["role"]) for m in response.json()["results"]] == [
        ("owner@acme.test", "owner"), ("viewer@acme.test", "viewer")]
    assert "CANARY-B" not in response.content.decode()


def test_a_person_is_added_by_email_with_a_role(api_owner_a, org_a, org_b, in_org):
    response = api_owner_a.post(url(org_a), {"email": "New@Acme.test", "role": "release_manager",
                                             "full_name": "Nia New"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["email"], body["role"], body["full_name"]) == ("new@acme.test", "release_manager", "Nia New")
    with in_org(org_a):
        assert Membership.objects.filter(user__email="new@acme.test", role="release_manager").exists()
    [event] = member_events(in_org, org_a)
    assert event.action == "membership.created" and event.before is None and event.after["role"] == "release_manager"
    with in_org(org_b):
        assert not Membership.objects.exists()


def test_adding_a_member_twice_conflicts(api_owner_a, org_a, org_b, owner_a):
    response = api_owner_a.post(url(org_a), {"email": "owner@acme.test", "role": "viewer"}, format="json")
    assert response.status_code == 409 and "email" in response.json()["error"]["fields"]


@pytest.mark.parametrize("payload, field", [
    pytest.param({"role": "viewer"}, "email", id="missing-email"),
    pytest.param({"email": "not-an-email", "role": "viewer"}, "email", id="bad-email"),
    pytest.param({"email": "x" * 250 + "@acme.test", "role": "viewer"}, "email", id="huge-email"),
    pytest.param({"email": 42, "role": "viewer"}, "email", id="email-number"),
    pytest.param({"email": "a@acme.test"}, "role", id="missing-role"),
    pytest.param({"email": "a@acme.test", "role": "emperor"}, "role", id="unknown-role"),
    pytest.param({"email": "a@acme.test", "role": ["owner"]}, "role", id="role-list"),
    pytest.param({"email": "a@acme.test", "role": "viewer", "full_name": "x" * 201}, "full_name", id="huge-name"),
])
def test_bad_member_input_gets_400_naming_the_field(api_owner_a, org_a, org_b, in_org, payload, field):
    response = api_owner_a.post(url(org_a), payload, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert member_events(in_org, org_a) == []


def test_malformed_json_gets_400(api_owner_a, org_a, org_b):
    response = api_owner_a.post(url(org_a), "{nope", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"


def test_a_role_is_changed_with_patch(api_owner_a, org_a, org_b, in_org, member_factory):
    user = member_factory(Role.VIEWER, email="viewer@acme.test")
    with in_org(org_a):
        membership = Membership.objects.get(user=user)
    detail = url(org_a, f"{membership.pk}/")
    assert api_owner_a.patch(detail, {"role": "approver"}, format="json").json()["role"] == "approver"
    assert api_owner_a.patch(detail, {"role": "nope"}, format="json").status_code == 400
    assert api_owner_a.put(detail, {"role": "viewer"}, format="json").status_code == 405
    [event] = member_events(in_org, org_a)
    assert event.action == "membership.role_changed"
    assert (event.before["role"], event.after["role"]) == ("viewer", "approver")


def test_a_member_is_removed_with_delete(api_owner_a, org_a, org_b, in_org, member_factory):
    user = member_factory(Role.ENGINEER, email="leaving@acme.test")
    with in_org(org_a):
        membership = Membership.objects.get(user=user)
    assert api_owner_a.delete(url(org_a, f"{membership.pk}/")).status_code == 204
    with in_org(org_a):
        assert not Membership.objects.filter(user=user).exists()
    [event] = member_events(in_org, org_a)
    assert event.action == "membership.removed" and event.before["role"] == "engineer" and event.after is None


@pytest.mark.parametrize("method, payload", [("patch", {"role": "viewer"}), ("delete", None)])
def test_the_last_owner_stays(api_owner_a, org_a, org_b, owner_a, in_org, method, payload):
    with in_org(org_a):
        membership = Membership.objects.get(user=owner_a)
    response = getattr(api_owner_a, method)(url(org_a, f"{membership.pk}/"), payload, format="json")
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"


def test_an_admin_cannot_make_an_owner(token_factory, org_a, org_b):
    response = api_as(token_factory, org_a, Role.ADMIN).post(
        url(org_a), {"email": "x@acme.test", "role": "owner"}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.VIEWER, Role.RELEASE_MANAGER])
def test_other_roles_cannot_see_or_manage_members(token_factory, org_a, org_b, owner_a, in_org, role):
    client = api_as(token_factory, org_a, role)
    with in_org(org_a):
        owner_membership = Membership.objects.get(user=owner_a)
    assert client.get(url(org_a)).status_code == 403
    assert client.post(url(org_a), {"email": "x@acme.test", "role": "viewer"}, format="json").status_code == 403
    assert client.delete(url(org_a, f"{owner_membership.pk}/")).status_code == 403


def test_org_b_members_are_not_found(api_owner_a, org_a, member_b):
    for method in ("get", "patch", "delete"):
        response = getattr(api_owner_a, method)(url(org_a, f"{member_b.pk}/"), {"role": "viewer"}, format="json")
        assert response.status_code == 404 and "CANARY-B" not in response.content.decode()


# org, context set, token, token last use, count, page (users joined), context reset
@pytest.mark.parametrize("members", [3, 30])
def test_the_list_query_budget_does_not_grow(api_owner_a, org_a, org_b, django_assert_max_num_queries, members):
    MembershipFactory.create_batch(members, organization=org_a)
    with django_assert_max_num_queries(7):
        response = api_owner_a.get(url(org_a))
    assert response.json()["count"] == members
