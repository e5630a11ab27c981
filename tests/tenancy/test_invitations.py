"""/invitations/<secret>/: the link in an invitation email, outside any organization. The person
joins only by accepting it, signed in as the invited address or creating the account for it."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.factories import MembershipFactory, UserFactory
from vsm.accounts.models import User
from vsm.audit.models import AuditEvent
from vsm.moments import moment_text
from vsm.tenancy.models import Invitation, Membership
from vsm.tenancy.roles import Role
from vsm.tenancy.selectors import organizations_of

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-river-stone"


def events(in_org, org) -> list[tuple[str, str]]:
    with in_org(org):
        return [(e.action, e.actor_label) for e in AuditEvent.objects.exclude(action="invitation.created")
                .order_by("id")]


def is_member(in_org, org, user) -> bool:
    with in_org(org):
        return Membership.objects.filter(user=user).exists()


def test_the_invited_person_signed_in_accepts(client, org_a, org_b, in_org, invite):
    ana = UserFactory(email="ana@acme.test", full_name="Ana")
    _invitation, link = invite("Ana@acme.test", role=Role.APPROVER)
    client.force_login(ana)
    shown = client.get(link)
    assert shown.status_code == 200 and "Join Acme Payments" in shown.content.decode()
    assert shown["Cache-Control"].startswith("max-age=0")
    assert not is_member(in_org, org_a, ana)  # looking is not accepting
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == f"/o/{org_a.slug}/"
    with in_org(org_a):
        assert Membership.objects.get(user=ana).role == Role.APPROVER
        assert Invitation.objects.get().status == "accepted"
    assert events(in_org, org_a) == [("invitation.accepted", "ana@acme.test"), ("membership.created", "ana@acme.test")]
    assert "Welcome to Acme Payments" in client.get(response["Location"]).content.decode()


def test_a_person_with_an_account_signs_in_first(client, org_a, org_b, in_org, invite):
    ana = UserFactory(email="ana@acme.test")
    _invitation, link = invite("ana@acme.test")
    body = client.get(link).content.decode()
    assert f'/accounts/login/?next={link}"' in body and "Create your account" not in body
    assert client.post(link, {"full_name": "X", "password1": PASSWORD, "password2": PASSWORD}).status_code == 200
    assert not is_member(in_org, org_a, ana) and User.objects.filter(email="ana@acme.test").count() == 1
    signed_in = client.post("/accounts/login/", {"username": "ana@acme.test", "password": "correct-horse-battery",
                                                 "next": link})
    assert signed_in.status_code == 302 and signed_in["Location"] == link
    assert client.post(link).status_code == 302 and is_member(in_org, org_a, ana)


def test_someone_else_signed_in_cannot_accept(client, org_a, org_b, in_org, invite):
    _invitation, link = invite("ana@acme.test")
    mallory = MembershipFactory(organization=org_b, user__email="mallory@globex.test").user
    client.force_login(mallory)
    shown = client.get(link)
    assert shown.status_code == 403
    assert "Only ana@acme.test can accept this invitation" in shown.content.decode()
    assert client.post(link).status_code == 403
    assert not is_member(in_org, org_a, mallory) and organizations_of(user=mallory) == [org_b]
    with in_org(org_a):
        assert Invitation.objects.get().status == "invited"
    assert events(in_org, org_a) == []


def test_a_new_person_creates_the_account_and_joins(client, org_a, org_b, in_org, invite):
    _invitation, link = invite("nia@new.test", role=Role.VIEWER)
    assert "Create your account" in client.get(link).content.decode()
    assert not User.objects.filter(email="nia@new.test").exists()
    response = client.post(link, {"full_name": "Nia New", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302 and response["Location"] == f"/o/{org_a.slug}/"
    nia = User.objects.get(email="nia@new.test")
    assert nia.full_name == "Nia New" and nia.check_password(PASSWORD)
    assert client.get(f"/o/{org_a.slug}/").status_code == 200  # signed in
    with in_org(org_a):
        assert Membership.objects.get(user=nia).role == Role.VIEWER
    assert events(in_org, org_a) == [("invitation.accepted", "nia@new.test"), ("membership.created", "nia@new.test")]


@pytest.mark.parametrize("data, field", [
    pytest.param({"full_name": "Nia", "password1": PASSWORD, "password2": PASSWORD + "x"}, "password2",
                 id="passwords-differ"),
    pytest.param({"full_name": "Nia", "password1": "password", "password2": "password"}, "password2",
                 id="common-password"),
    pytest.param({"full_name": "Nia", "password1": "nia@new.test", "password2": "nia@new.test"}, "password2",
                 id="password-is-the-email"),
    pytest.param({"full_name": "", "password1": PASSWORD, "password2": PASSWORD}, "full_name", id="no-name"),
    pytest.param({"full_name": "x" * 201, "password1": PASSWORD, "password2": PASSWORD}, "full_name",
                 id="huge-name"),
])
def test_a_bad_sign_up_is_shown_again_and_creates_nothing(client, org_a, org_b, in_org, invite, data, field):
    _invitation, link = invite("nia@new.test")
    response = client.post(link, data)
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not User.objects.filter(email="nia@new.test").exists()
    with in_org(org_a):
        assert Invitation.objects.get().status == "invited"


@pytest.mark.parametrize("close", [
    pytest.param(lambda inv: Invitation.objects.filter(pk=inv.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)), id="expired"),
    pytest.param(lambda inv: Invitation.objects.filter(pk=inv.pk).update(revoked_at=timezone.now()), id="revoked"),
])
def test_expired_and_revoked_invitations_answer_a_clear_page(client, org_a, org_b, in_org, invite, close):
    ana = UserFactory(email="ana@acme.test")
    invitation, link = invite("ana@acme.test")
    with in_org(org_a):
        close(invitation)
        status = Invitation.objects.get().status
    client.force_login(ana)
    for response in (client.get(link), client.post(link)):
        assert response.status_code == 410
        assert f"This invitation {'has expired' if status == 'expired' else 'was revoked'}" in response.content.decode()
    assert not is_member(in_org, org_a, ana)
    client.logout()
    assert client.post(link, {"full_name": "A", "password1": PASSWORD, "password2": PASSWORD}).status_code == 410


def test_an_invitation_works_once(client, org_a, org_b, in_org, invite):
    _invitation, link = invite("nia@new.test")
    assert client.post(link, {"full_name": "Nia", "password1": PASSWORD, "password2": PASSWORD}).status_code == 302
    again = client.post(link)
    assert again.status_code == 410 and "already accepted" in again.content.decode()
    client.logout()
    reused = client.post(link, {"full_name": "Eve", "password1": PASSWORD, "password2": PASSWORD})
    assert reused.status_code == 410
    assert User.objects.get(email="nia@new.test").full_name == "Nia"
    assert [a for a, _ in events(in_org, org_a)] == ["invitation.accepted", "membership.created"]


def test_an_unknown_link_answers_404(client, org_a, org_b, invite):
    _invitation, link = invite("ana@acme.test")
    for path in (link[:-2] + "x/", "/invitations/nope/"):
        response = client.get(path)
        assert response.status_code == 404 and "This invitation link is not valid" in response.content.decode()
        assert client.post(path).status_code == 404


def test_a_link_of_org_b_joins_org_b_only(client, org_a, org_b, in_org, invite):
    ana = UserFactory(email="ana@acme.test")
    _invitation, link = invite("ana@acme.test", org=org_b)
    client.force_login(ana)
    assert client.post(link)["Location"] == f"/o/{org_b.slug}/"
    assert organizations_of(user=ana) == [org_b]
    with in_org(org_b):
        assert Invitation.objects.get().status == "accepted"


def test_the_email_links_to_the_site_and_names_the_organization(org_a, org_b, invite, mailoutbox, settings):
    _invitation, link = invite("ana@acme.test", role=Role.RELEASE_MANAGER)
    [mail] = mailoutbox
    assert mail.subject == "Olivia Owner invites you to join Acme Payments on Sluice"
    assert f"{settings.SITE_URL}{link}" in mail.body and "as release manager" in mail.body


def test_the_invitation_email_gives_the_expiry_in_the_organizations_zone_named(org_a, owner_a, invite, mailoutbox):
    """The invited person has no zone Sluice knows: the organization's, named; never UTC unnamed
    or an hour of the inviter's own zone."""
    org_a.time_zone = "Europe/Berlin"
    org_a.save(update_fields=["time_zone"])
    owner_a.time_zone = "America/Los_Angeles"
    owner_a.save(update_fields=["time_zone"])
    invitation, _link = invite("new@example.com")
    expiry = moment_text(invitation.expires_at, zone=ZoneInfo("Europe/Berlin"))
    assert f"until {expiry} (Europe/Berlin)." in " ".join(mailoutbox[-1].body.split())
    assert "UTC" not in mailoutbox[-1].body
