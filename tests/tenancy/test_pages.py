"""The organization's settings pages: members, API tokens, name and time zone."""

from __future__ import annotations

import pytest

from tests.factories import ApiTokenFactory, InvitationFactory, MembershipFactory
from tests.tenancy.conftest import link_in
from vsm.audit.models import AuditEvent
from vsm.tenancy.models import ApiToken, Invitation, Membership
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def page(org, path: str) -> str:
    return f"/o/{org.slug}/settings/{path}"


def trail(in_org, org, prefix: str) -> list[AuditEvent]:
    with in_org(org):
        return list(AuditEvent.objects.filter(action__startswith=prefix).order_by("id"))


# --- members ------------------------------------------------------------------------------------

def test_members_are_listed_without_org_b(client_a, org_a, org_b):
    MembershipFactory(organization=org_b, user__email="canary-b@globex.test")
    body = client_a.get(page(org_a, "members/")).content.decode()
    assert "owner@acme.test" in body and "canary-b@globex.test" not in body


def test_a_person_is_invited_listed_and_revoked(client_a, org_a, org_b, in_org, mailoutbox):
    response = client_a.post(page(org_a, "members/"), {"email": "New@acme.test", "role": "approver"}, follow=True)
    body = response.content.decode()
    assert "new@acme.test is invited as approver" in body
    with in_org(org_a):
        assert not Membership.objects.filter(user__email="new@acme.test").exists()
        invitation = Invitation.objects.get(email="new@acme.test")
    assert [e.action for e in trail(in_org, org_a, "invitation.")] == ["invitation.created"]
    assert trail(in_org, org_a, "membership.") == []
    revoke = f"/o/{org_a.slug}/settings/members/invitations/{invitation.pk}/revoke/"
    assert revoke in body and "Revoke the invitation of new@acme.test?" in body  # asks before revoking
    body = client_a.post(revoke, follow=True).content.decode()
    assert "The invitation of new@acme.test was revoked" in body and revoke not in body
    assert [e.action for e in trail(in_org, org_a, "invitation.")] == ["invitation.created", "invitation.revoked"]
    assert client_a.get(link_in(mailoutbox[0])).status_code == 410


def test_a_pending_invitation_is_named_when_inviting_again(client_a, org_a, org_b, in_org, invite):
    invitation, _link = invite("ana@acme.test")
    response = client_a.post(page(org_a, "members/"), {"email": "ana@acme.test", "role": "viewer"})
    assert response.status_code == 409
    [error] = response.context["form"].errors["email"]
    assert f"invitation {invitation.pk}" in error and "revoke it" in error and error in response.content.decode()


def test_an_unsent_invitation_says_so(client_a, org_a, org_b, in_org, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2  # nothing listens
    body = client_a.post(page(org_a, "members/"), {"email": "ana@acme.test", "role": "viewer"},
                         follow=True).content.decode()
    assert "could not be emailed (ConnectionRefusedError" in body and "email not sent" in body
    with in_org(org_a):
        assert Invitation.objects.get().email_error.startswith("ConnectionRefusedError")


@pytest.mark.parametrize("data, field, status", [
    pytest.param({"role": "viewer"}, "email", 400, id="missing-email"),
    pytest.param({"email": "nope", "role": "viewer"}, "email", 400, id="bad-email"),
    pytest.param({"email": "a@acme.test", "role": "emperor"}, "role", 400, id="bad-role"),
    pytest.param({"email": "owner@acme.test", "role": "viewer"}, "email", 409, id="already-a-member"),
])
def test_bad_member_forms_are_shown_again(client_a, org_a, org_b, in_org, data, field, status):
    response = client_a.post(page(org_a, "members/"), data)
    assert response.status_code == status and field in response.context["form"].errors
    assert trail(in_org, org_a, "membership.") == []


def test_a_role_is_changed_and_a_member_removed(client_a, org_a, org_b, in_org, member_factory):
    user = member_factory(Role.VIEWER, email="v@acme.test")
    with in_org(org_a):
        membership = Membership.objects.get(user=user)
    detail = page(org_a, f"members/{membership.pk}/")
    assert client_a.post(detail, {"role": "engineer"}).status_code == 302
    assert client_a.post(detail, {"action": "remove"}).status_code == 302
    with in_org(org_a):
        assert not Membership.objects.filter(user=user).exists()
    assert [e.action for e in trail(in_org, org_a, "membership.")] == ["membership.role_changed", "membership.removed"]


def test_the_last_owner_cannot_be_removed(client_a, org_a, org_b, owner_a, in_org):
    with in_org(org_a):
        membership = Membership.objects.get(user=owner_a)
    response = client_a.post(page(org_a, f"members/{membership.pk}/"), {"action": "remove"}, follow=True)
    assert "at least one owner" in response.content.decode()
    with in_org(org_a):
        assert Membership.objects.filter(user=owner_a).exists()


# --- tokens -------------------------------------------------------------------------------------

def test_a_token_secret_is_shown_once(client_a, org_a, org_b, in_org):
    response = client_a.post(page(org_a, "tokens/"), {"name": "deploy", "role": "engineer"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    secret = response.context["new_secret"]
    assert secret.startswith("slc_") and secret in response.content.decode()
    assert secret not in client_a.get(page(org_a, "tokens/")).content.decode()
    with in_org(org_a):
        assert secret not in str(list(AuditEvent.objects.values("before", "after", "message")))


@pytest.mark.parametrize("data, field", [
    pytest.param({"role": "engineer"}, "name", id="missing-name"),
    pytest.param({"name": "x" * 101, "role": "engineer"}, "name", id="huge-name"),
    pytest.param({"name": "ci", "role": "emperor"}, "role", id="bad-role"),
    pytest.param({"name": "ci", "role": "engineer", "expires_at": "2001-01-01T00:00"}, "expires_at", id="past"),
    pytest.param({"name": "ci", "role": "engineer", "expires_at": "whenever"}, "expires_at", id="not-a-date"),
])
def test_bad_token_forms_are_shown_again(client_a, org_a, org_b, in_org, data, field):
    response = client_a.post(page(org_a, "tokens/"), data)
    assert response.status_code == 400 and field in response.context["form"].errors
    with in_org(org_a):
        assert not ApiToken.objects.exists()


def test_a_token_is_revoked(client_a, org_a, org_b, in_org):
    token = ApiTokenFactory(organization=org_a, name="old")
    assert client_a.post(page(org_a, f"tokens/{token.pk}/revoke/")).status_code == 302
    with in_org(org_a):
        assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


# --- organization -------------------------------------------------------------------------------

def test_the_organization_is_renamed(client_a, org_a, org_b, in_org):
    response = client_a.post(page(org_a, ""), {"name": "Acme", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert (org_a.name, org_a.time_zone) == ("Acme", "Asia/Tokyo")
    [event] = trail(in_org, org_a, "organization.")
    assert (event.before["time_zone"], event.after["time_zone"]) == ("UTC", "Asia/Tokyo")


@pytest.mark.parametrize("data, field", [
    ({"name": "", "time_zone": "UTC"}, "name"), ({"name": "Acme", "time_zone": "Mars/Base"}, "time_zone")])
def test_bad_organization_forms_are_shown_again(client_a, org_a, org_b, data, field):
    response = client_a.post(page(org_a, ""), data)
    assert response.status_code == 400 and field in response.context["form"].errors


# --- roles and query budgets --------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.ENGINEER, Role.VIEWER, Role.RELEASE_MANAGER])
@pytest.mark.parametrize("path", ["", "members/", "tokens/"])
def test_other_roles_cannot_post_to_the_settings(client, org_a, org_b, member_factory, role, path):
    client.force_login(member_factory(role))
    assert client.post(page(org_a, path), {"name": "x", "email": "x@acme.test", "role": "viewer"}).status_code == 403


# session, user, org, context set, membership, org switcher (4), rows, context reset
@pytest.mark.parametrize("rows", [3, 30])
@pytest.mark.parametrize("path, make", [
    ("members/", lambda org: InvitationFactory(organization=org, invited_by=MembershipFactory(organization=org).user)),
    ("tokens/", lambda org: ApiTokenFactory(organization=org, created_by=MembershipFactory(organization=org).user)),
])
def test_settings_lists_query_budget_does_not_grow(client_a, org_a, org_b, django_assert_max_num_queries,
                                                   path, make, rows):
    for _ in range(rows):
        make(org_a)
    with django_assert_max_num_queries(12):
        assert client_a.get(page(org_a, path)).status_code == 200
