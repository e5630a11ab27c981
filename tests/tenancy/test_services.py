from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UserFactory
from vsm.audit.models import AuditEvent
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy import services
from vsm.tenancy.actor import Actor
from vsm.tenancy.models import ApiToken, Membership
from vsm.tenancy.roles import Role


@pytest.fixture
def admin_actor(member_factory):
    return Actor(role=Role.ADMIN, user=member_factory(Role.ADMIN))


def test_adding_an_unknown_email_creates_the_account_and_membership(org_a, org_b, in_org, actor_a):
    with in_org(org_a):
        membership = services.membership_add(email="New.Person@Example.com", role=Role.ENGINEER, actor=actor_a)
        assert membership.user.email == "new.person@example.com"
        assert not membership.user.has_usable_password()
        assert AuditEvent.objects.filter(action="membership.created").count() == 1
    with in_org(org_b):
        assert Membership.objects.count() == 0


def test_adding_a_member_twice_conflicts(org_a, in_org, actor_a):
    with in_org(org_a):
        services.membership_add(email="twice@example.com", role=Role.VIEWER, actor=actor_a)
        with pytest.raises(Conflict):
            services.membership_add(email="TWICE@example.com", role=Role.VIEWER, actor=actor_a)


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.VIEWER, Role.RELEASE_MANAGER, Role.APPROVER])
def test_only_admins_and_owners_manage_members(org_a, in_org, member_factory, role):
    actor = Actor(role=role, user=member_factory(role))
    with in_org(org_a), pytest.raises(PermissionRefused):
        services.membership_add(email="x@example.com", role=Role.VIEWER, actor=actor)


def test_an_admin_cannot_make_an_owner(org_a, in_org, admin_actor):
    with in_org(org_a), pytest.raises(PermissionRefused):
        services.membership_add(email="x@example.com", role=Role.OWNER, actor=admin_actor)


def test_an_unknown_role_names_the_field(org_a, in_org, actor_a):
    with in_org(org_a), pytest.raises(InvalidInput) as error:
        services.membership_add(email="x@example.com", role="emperor", actor=actor_a)
    assert "role" in error.value.fields


def test_the_last_owner_cannot_leave_or_be_demoted(org_a, in_org, owner_a, actor_a):
    with in_org(org_a):
        last = Membership.objects.get(user=owner_a)
        with pytest.raises(Conflict):
            services.membership_change_role(membership=last, role=Role.ADMIN, actor=actor_a)
        with pytest.raises(Conflict):
            services.membership_remove(membership=last, actor=actor_a)
        second = services.membership_add(email="second@example.com", role=Role.OWNER, actor=actor_a)
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
