"""/api/v1/orgs/<org>/members/: owners and administrators manage who belongs, by email."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import InvitationFactory, MembershipFactory, UserFactory
from tests.tenancy.conftest import link_in
from vsm.accounts.models import User
from vsm.audit.models import AuditEvent
from vsm.tenancy.models import Invitation, Membership
from vsm.tenancy.roles import Role
from vsm.tenancy.selectors import organizations_of

pytestmark = pytest.mark.django_db


def url(org, path: str = "") -> str:
    return f"/api/v1/orgs/{org.slug}/members/{path}"


def api_as(token_client, org, role) -> APIClient:
    return token_client(org, role=role, name=f"{role}-token")


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


def test_adding_a_person_invites_them(api_owner_a, org_a, org_b, in_org, mailoutbox):
    response = api_owner_a.post(url(org_a), {"email": "New@Acme.test", "role": "release_manager"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["email"], body["role"], body["status"], body["email_sent"]) == (
        "new@acme.test", "release_manager", "invited", True)
    assert "full_name" not in body
    assert response["Location"] == f"/api/v1/orgs/{org_a.slug}/invitations/{body['id']}/"
    with in_org(org_a):
        assert not Membership.objects.filter(user__email="new@acme.test").exists()
        [event] = AuditEvent.objects.filter(action__startswith="invitation.")
    assert event.action == "invitation.created" and event.after["role"] == "release_manager"
    assert member_events(in_org, org_a) == []
    assert [mail.to for mail in mailoutbox] == [["new@acme.test"]]
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


def test_an_admin_cannot_make_an_owner(token_client, org_a, org_b):
    response = api_as(token_client, org_a, Role.ADMIN).post(
        url(org_a), {"email": "x@acme.test", "role": "owner"}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.VIEWER, Role.RELEASE_MANAGER])
def test_other_roles_cannot_see_or_manage_members(token_client, org_a, org_b, owner_a, in_org, role):
    client = api_as(token_client, org_a, role)
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


# --- membership by consent ----------------------------------------------------------------------

def test_a_person_of_another_organization_is_neither_added_nor_named(
        api_owner_a, org_a, org_b, in_org, member_b, client, mailoutbox):
    person = member_b.user
    response = api_owner_a.post(url(org_a), {"email": "Canary-B@globex.test", "role": "admin"}, format="json")
    assert response.status_code == 201
    assert "CANARY-B" not in response.content.decode() and response.json()["status"] == "invited"
    with in_org(org_a):
        assert not Membership.objects.filter(user=person).exists()
    assert organizations_of(user=person) == [org_b]
    listed = api_owner_a.get(url(org_a)).content.decode()
    assert "canary-b@globex.test" not in listed and "CANARY-B" not in listed
    assert "CANARY-B" not in api_owner_a.get(f"/api/v1/orgs/{org_a.slug}/invitations/").content.decode()

    client.force_login(person)
    assert client.post(link_in(mailoutbox[0])).status_code == 302
    assert organizations_of(user=person) == [org_a, org_b]
    with in_org(org_a):
        assert Membership.objects.get(user=person).role == "admin"


def test_an_unknown_email_creates_no_account_until_they_sign_up(api_owner_a, org_a, org_b, in_org, client,
                                                                 mailoutbox, member_b):
    unknown = api_owner_a.post(url(org_a), {"email": "nobody@else.test", "role": "viewer"}, format="json")
    known = api_owner_a.post(url(org_a), {"email": "canary-b@globex.test", "role": "viewer"}, format="json")
    assert unknown.status_code == known.status_code == 201
    # The answers differ only in what was asked: nothing tells whether an account exists.
    assert unknown.json().keys() == known.json().keys()
    assert not User.objects.filter(email="nobody@else.test").exists()
    response = client.post(link_in(mailoutbox[0]), {
        "full_name": "Nadia Nobody", "password1": "a-long-river-stone", "password2": "a-long-river-stone"})
    assert response.status_code == 302
    user = User.objects.get(email="nobody@else.test")
    assert user.full_name == "Nadia Nobody" and user.check_password("a-long-river-stone")
    assert organizations_of(user=user) == [org_a]


def test_inviting_an_address_with_a_pending_invitation_answers_409_naming_it(api_owner_a, org_a, org_b):
    first = api_owner_a.post(url(org_a), {"email": "ana@acme.test", "role": "viewer"}, format="json").json()
    response = api_owner_a.post(url(org_a), {"email": "ANA@acme.test", "role": "admin"}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert f"invitation {first['id']}" in error["message"] and error["fields"] == {"email": [error["message"]]}
    assert error["details"]["conflicts_with"] == [f"invitation {first['id']}"]


def test_inviting_a_member_answers_409(api_owner_a, org_a, org_b, member_factory):
    member_factory(Role.VIEWER, email="vic@acme.test")
    response = api_owner_a.post(url(org_a), {"email": "Vic@acme.test", "role": "admin"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["fields"] == {"email": ["already a member"]}


def test_an_expired_invitation_is_replaced_by_a_new_one(api_owner_a, org_a, org_b, in_org):
    first = api_owner_a.post(url(org_a), {"email": "ana@acme.test", "role": "viewer"}, format="json").json()
    with in_org(org_a):
        Invitation.objects.filter(pk=first["id"]).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert api_owner_a.get(invitations(org_a, f"{first['id']}/")).json()["status"] == "expired"
    second = api_owner_a.post(url(org_a), {"email": "ana@acme.test", "role": "admin"}, format="json")
    assert second.status_code == 201
    assert api_owner_a.get(invitations(org_a, f"{first['id']}/")).json()["status"] == "revoked"


def invitations(org, path: str = "") -> str:
    return f"/api/v1/orgs/{org.slug}/invitations/{path}"


def test_invitations_are_listed_and_revoked(api_owner_a, org_a, org_b, in_org, invite, client, member_b):
    InvitationFactory(organization=org_b, email="b-only@globex.test")
    pending, link = invite("ana@acme.test", role=Role.APPROVER)
    response = api_owner_a.get(invitations(org_a))
    assert response.status_code == 200
    [shown] = response.json()["results"]
    assert (shown["id"], shown["email"], shown["role"], shown["status"], shown["invited_by"]) == (
        pending.pk, "ana@acme.test", "approver", "invited", "owner@acme.test")
    assert api_owner_a.delete(invitations(org_a, f"{pending.pk}/")).status_code == 204
    assert api_owner_a.get(invitations(org_a, f"{pending.pk}/")).json()["status"] == "revoked"
    assert api_owner_a.delete(invitations(org_a, f"{pending.pk}/")).status_code == 204  # twice is harmless
    with in_org(org_a):
        assert [e.action for e in AuditEvent.objects.filter(object_type="tenancy.invitation").order_by("id")] == [
            "invitation.created", "invitation.revoked"]
    assert client.get(link).status_code == 410


def test_an_accepted_invitation_cannot_be_revoked(api_owner_a, org_a, org_b, invite, client):
    user = UserFactory(email="ana@acme.test")
    invitation, link = invite("ana@acme.test")
    client.force_login(user)
    client.post(link)
    response = api_owner_a.delete(invitations(org_a, f"{invitation.pk}/"))
    assert response.status_code == 409 and "remove the member" in response.json()["error"]["message"]


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.VIEWER, Role.RELEASE_MANAGER])
def test_other_roles_cannot_see_or_revoke_invitations(token_client, org_a, org_b, invite, role):
    invitation, _link = invite("ana@acme.test")
    client = api_as(token_client, org_a, role)
    assert client.get(invitations(org_a)).status_code == 403
    assert client.delete(invitations(org_a, f"{invitation.pk}/")).status_code == 403


def test_org_b_invitations_are_not_found(api_owner_a, org_a, org_b):
    other = InvitationFactory(organization=org_b, email_error="CANARY-B")
    for method in ("get", "delete"):
        response = getattr(api_owner_a, method)(invitations(org_a, f"{other.pk}/"))
        assert response.status_code == 404 and "CANARY-B" not in response.content.decode()


@pytest.mark.parametrize("rows", [3, 30])
def test_the_invitation_list_query_budget_does_not_grow(api_owner_a, org_a, org_b, django_assert_max_num_queries,
                                                        rows):
    for _ in range(rows):
        InvitationFactory(organization=org_a, invited_by=UserFactory())
    with django_assert_max_num_queries(7):
        response = api_owner_a.get(invitations(org_a))
    assert response.json()["count"] == rows
