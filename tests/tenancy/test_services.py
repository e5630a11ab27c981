from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import MembershipFactory, UserFactory
from vsm.accounts.models import User
from vsm.audit.models import AuditEvent
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy import services
from vsm.tenancy.actor import Actor
from vsm.tenancy.models import ApiToken, Invitation, Membership
from vsm.tenancy.roles import Role


@pytest.fixture
def admin_actor(member_factory):
    return Actor(role=Role.ADMIN, user=member_factory(Role.ADMIN))


def test_inviting_an_unknown_email_creates_neither_account_nor_membership(org_a, org_b, in_org, actor_a, mailoutbox):
    with in_org(org_a):
        invitation = services.invitation_create(email="New.Person@Example.com", role=Role.ENGINEER, actor=actor_a)
        assert (invitation.email, invitation.status) == ("new.person@example.com", "invited")
        assert not Membership.objects.filter(user__email="new.person@example.com").exists()
        assert [e.action for e in AuditEvent.objects.all()] == ["invitation.created"]
        assert "digest" not in AuditEvent.objects.get().after
    assert not User.objects.filter(email__iexact="new.person@example.com").exists()
    [mail] = mailoutbox
    assert mail.to == ["new.person@example.com"] and "Acme Payments" in mail.subject
    secret = mail.body.split("/invitations/")[1].split("/")[0]
    with in_org(org_a):
        assert secret not in (invitation.digest, Invitation.objects.get().digest)
    with in_org(org_b):
        assert Invitation.objects.count() == 0


def test_inviting_twice_conflicts(org_a, in_org, actor_a):
    with in_org(org_a):
        first = services.invitation_create(email="twice@example.com", role=Role.VIEWER, actor=actor_a)
        with pytest.raises(Conflict) as error:
            services.invitation_create(email="TWICE@example.com", role=Role.VIEWER, actor=actor_a)
    assert f"invitation {first.pk}" in error.value.message and "email" in error.value.fields


def test_inviting_a_member_conflicts(org_a, in_org, actor_a, owner_a):
    with in_org(org_a), pytest.raises(Conflict) as error:
        services.invitation_create(email="Owner@acme.test", role=Role.VIEWER, actor=actor_a)
    assert "already a member" in error.value.message


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.VIEWER, Role.RELEASE_MANAGER, Role.APPROVER])
def test_only_admins_and_owners_manage_members(org_a, in_org, member_factory, role):
    actor = Actor(role=role, user=member_factory(role))
    with in_org(org_a), pytest.raises(PermissionRefused):
        services.invitation_create(email="x@example.com", role=Role.VIEWER, actor=actor)


def test_an_admin_cannot_make_an_owner(org_a, in_org, admin_actor):
    with in_org(org_a), pytest.raises(PermissionRefused):
        services.invitation_create(email="x@example.com", role=Role.OWNER, actor=admin_actor)


def test_an_unknown_role_names_the_field(org_a, in_org, actor_a):
    with in_org(org_a), pytest.raises(InvalidInput) as error:
        services.invitation_create(email="x@example.com", role="emperor", actor=actor_a)
    assert "role" in error.value.fields


def test_the_last_owner_cannot_leave_or_be_demoted(org_a, in_org, owner_a, actor_a):
    with in_org(org_a):
        last = Membership.objects.get(user=owner_a)
        with pytest.raises(Conflict):
            services.membership_change_role(membership=last, role=Role.ADMIN, actor=actor_a)
        with pytest.raises(Conflict):
            services.membership_remove(membership=last, actor=actor_a)
        second = MembershipFactory(organization=org_a, role=Role.OWNER)
        services.membership_change_role(membership=last, role=Role.ADMIN, actor=actor_a)
        assert Membership.objects.get(pk=last.pk).role == Role.ADMIN
        assert second.role == Role.OWNER


def test_token_secret_is_shown_once_and_stored_hashed(org_a, in_org, actor_a):
    with in_org(org_a):
        token, secret = services.api_token_create(name="ci", role=Role.ENGINEER, expires_at=None, actor=actor_a)
        stored = ApiToken.objects.get(pk=token.pk)
        assert secret.startswith("slc_") and secret not in (stored.digest, stored.prefix)
        assert services.api_token_authenticate(secret=secret) == stored
        events = AuditEvent.objects.filter(object_type="tenancy.apitoken")
        assert events.count() == 1 and secret not in str(events.get().after)
        assert "digest" not in events.get().after


def test_token_of_another_org_is_not_found(org_a, org_b, in_org, actor_a, token_factory):
    secret_b = token_factory(org_b)
    with in_org(org_a):
        assert services.api_token_authenticate(secret=secret_b) is None
    with in_org(org_b):
        assert services.api_token_authenticate(secret=secret_b) is not None


@pytest.mark.parametrize("state", ["revoked", "expired", "wrong"])
def test_dead_tokens_do_not_authenticate(org_a, in_org, actor_a, state):
    with in_org(org_a):
        token, secret = services.api_token_create(name="ci", role=Role.ENGINEER, expires_at=None, actor=actor_a)
        if state == "revoked":
            services.api_token_revoke(token=token, actor=actor_a)
        elif state == "expired":
            ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        else:
            secret = secret[:-2] + "xx"
        assert services.api_token_authenticate(secret=secret) is None


def test_token_expiry_must_be_in_the_future(org_a, in_org, actor_a):
    with in_org(org_a), pytest.raises(InvalidInput) as error:
        services.api_token_create(name="ci", role=Role.ENGINEER,
                                  expires_at=timezone.now() - timedelta(days=1), actor=actor_a)
    assert "expires_at" in error.value.fields


def test_last_use_is_recorded_at_most_once_a_minute(org_a, in_org, actor_a, django_assert_num_queries):
    with in_org(org_a):
        _token, secret = services.api_token_create(name="ci", role=Role.ENGINEER, expires_at=None, actor=actor_a)
        with django_assert_num_queries(2):  # lookup + first last-used write
            services.api_token_authenticate(secret=secret)
        with django_assert_num_queries(1):  # lookup only
            services.api_token_authenticate(secret=secret)


def test_organization_update_is_audited_with_before_and_after(org_a, in_org, actor_a):
    with in_org(org_a):
        services.organization_update(organization=org_a, actor=actor_a, name="Acme Pay", time_zone="Europe/Berlin")
        event = AuditEvent.objects.get(action="organization.updated")
        assert event.before["time_zone"] == "UTC" and event.after["time_zone"] == "Europe/Berlin"


def test_organization_update_rejects_an_unknown_time_zone(org_a, in_org, actor_a):
    from django.core.exceptions import ValidationError

    with in_org(org_a), pytest.raises(ValidationError):
        services.organization_update(organization=org_a, actor=actor_a, time_zone="Mars/Olympus")


def test_a_second_org_with_the_same_slug_conflicts(org_a):
    with pytest.raises(Conflict):
        services.organization_create(name="Again", slug=org_a.slug, owner=UserFactory(),
                                     actor=Actor.for_system("test"))
