"""Leases: granted on a booking in force (or where none is needed), denied with reasons and a
retry time, renewed, released, and gone by themselves once expired."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from environments import services
from environments.models import Environment, Lease, Outage
from environments.selectors import lease_check
from environments.services import LeaseDenied
from tests.environments.factories import BookingFactory, EnvironmentFactory, OutageFactory
from tests.factories import ApiTokenFactory, ServiceFactory, TeamFactory, TeamMemberFactory
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org_a, org_b, member_factory):
    """Checkout holds SIT now (for another hour); payments-api belongs to Payments, ledger-ui to Checkout."""
    checkout = TeamFactory(organization=org_a, name="Checkout", slug="checkout")
    payments = TeamFactory(organization=org_a, name="Payments", slug="payments")
    dev = member_factory(Role.ENGINEER, email="dev@acme.test")
    TeamMemberFactory(organization=org_a, team=checkout, user=dev)
    env = EnvironmentFactory(organization=org_a, name="SIT", slug="sit")
    now = timezone.now()
    booking = BookingFactory(organization=org_a, environment=env, team=checkout, requested_by=dev,
                             start=now - timedelta(hours=1), hours=2)
    ServiceFactory(organization=org_a, slug="ledger-ui", team=checkout)
    ServiceFactory(organization=org_a, slug="payments-api", team=payments)
    ServiceFactory(organization=org_b, slug="payments-api")
    token = ApiTokenFactory(organization=org_a, name="gitlab-ci")
    return {"env": env, "booking": booking, "dev": Actor(role=Role.ENGINEER, user=dev),
            "ci": Actor(role=Role.ENGINEER, token=token), "checkout": checkout}


@pytest.mark.parametrize("how", [
    {"who": "ci", "booking": True},
    {"who": "ci", "service_slug": "ledger-ui"},
    {"who": "dev"},  # a person: their team's booking, found without naming it
])
def test_a_lease_is_granted_to_the_holder_of_the_booking_in_force(in_org, org_a, world, how):
    with in_org(org_a):
        lease, secret = services.lease_acquire(
            actor=world[how["who"]], environment=world["env"],
            booking_id=world["booking"].pk if how.get("booking") else None, service_slug=how.get("service_slug"))
        assert lease.booking == world["booking"] and lease.team == world["checkout"]
    assert secret.startswith("sll_") and secret not in lease.token_digest
    assert lease.expires_at - lease.acquired_at == timedelta(minutes=15)


def test_another_teams_job_is_denied_with_who_holds_it_and_until_when(in_org, org_a, world):
    with in_org(org_a), pytest.raises(LeaseDenied) as caught:
        services.lease_acquire(actor=world["ci"], environment=world["env"], service_slug="payments-api")
    assert caught.value.status == 409
    (reason,) = caught.value.details["reasons"]
    assert reason["code"] == "booked_by_other_team" and reason["team"] == "checkout"
    assert reason["until"] == world["booking"].end == caught.value.details["retry_after"]


def test_a_job_naming_nothing_has_no_booking(in_org, org_a, world):
    with in_org(org_a), pytest.raises(LeaseDenied) as caught:
        services.lease_acquire(actor=world["ci"], environment=world["env"])
    assert [r["code"] for r in caught.value.details["reasons"]] == ["no_booking"]
    assert "name the booking" in caught.value.message
    assert caught.value.details["retry_after"] is None  # waiting does not help


def test_a_future_booking_is_not_yet_a_lease_but_says_when(in_org, org_a, world):
    env = EnvironmentFactory(organization=org_a)
    with in_org(org_a):
        later = BookingFactory(organization=org_a, environment=env, team=world["checkout"],
                               start=timezone.now() + timedelta(hours=3))
        with pytest.raises(LeaseDenied) as caught:
            services.lease_acquire(actor=world["dev"], environment=env)
    assert caught.value.details["reasons"][0]["code"] == "no_booking"
    assert caught.value.details["retry_after"] == later.start


@pytest.mark.parametrize(("kind", "code"), [(Outage.Kind.MAINTENANCE, "environment_maintenance"),
                                            (Outage.Kind.OUTAGE, "environment_down")])
def test_an_outage_in_force_denies_even_the_holder(in_org, org_a, world, kind, code):
    with in_org(org_a):
        outage = OutageFactory(organization=org_a, environment=world["env"], kind=kind,
                               start=timezone.now() - timedelta(minutes=5), hours=1)
        with pytest.raises(LeaseDenied) as caught:
            services.lease_acquire(actor=world["dev"], environment=world["env"])
    assert caught.value.details["reasons"][0]["code"] == code
    assert caught.value.details["retry_after"] == outage.end


def test_an_environment_marked_down_denies_without_a_retry_time(in_org, org_a, world):
    with in_org(org_a):
        world["env"].status = Environment.Status.DOWN
        world["env"].status_reason = "disk full"
        world["env"].save()
        with pytest.raises(LeaseDenied) as caught:
            services.lease_acquire(actor=world["dev"], environment=world["env"])
    assert caught.value.details["reasons"][0]["code"] == "environment_down"
    assert "disk full" in caught.value.message


def test_an_environment_that_needs_no_booking_is_leased_one_job_at_a_time(in_org, org_a, world):
    with in_org(org_a):
        prod = EnvironmentFactory(organization=org_a, tier="production", requires_booking=False)
        first, _ = services.lease_acquire(actor=world["ci"], environment=prod, service_slug="payments-api",
                                          version="2.0.1")
        with pytest.raises(LeaseDenied) as caught:
            services.lease_acquire(actor=world["ci"], environment=prod, service_slug="ledger-ui")
    (reason,) = caught.value.details["reasons"]
    assert reason["code"] == "environment_leased" and reason["until"] == first.expires_at
    assert first.version == "2.0.1" and first.booking is None


def test_an_expired_lease_frees_the_environment_without_any_sweeper(in_org, org_a, world):
    with in_org(org_a):
        prod = EnvironmentFactory(organization=org_a, requires_booking=False)
        first, secret = services.lease_acquire(actor=world["ci"], environment=prod)
        Lease.objects.filter(pk=first.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        second, _ = services.lease_acquire(actor=world["ci"], environment=prod)
        with pytest.raises(Conflict, match="expired"):
            services.lease_renew(actor=world["ci"], lease=first, secret=secret)
    assert second.is_valid()


def test_renew_extends_but_never_past_the_booking(in_org, org_a, world):
    with in_org(org_a):
        lease, secret = services.lease_acquire(actor=world["dev"], environment=world["env"], ttl_seconds=60)
        renewed = services.lease_renew(actor=world["dev"], lease=lease, secret=secret, ttl_seconds=3 * 3600)
    assert renewed.expires_at == world["booking"].end


def test_renew_and_release_need_the_lease_token(in_org, org_a, world):
    with in_org(org_a):
        lease, secret = services.lease_acquire(actor=world["ci"], environment=world["env"],
                                               booking_id=world["booking"].pk)
        with pytest.raises(PermissionRefused):
            services.lease_renew(actor=world["ci"], lease=lease, secret="sll_wrong")
        with pytest.raises(PermissionRefused):
            services.lease_release(actor=world["ci"], lease=lease, secret="")
        released = services.lease_release(actor=world["ci"], lease=lease, secret=secret)
        again = services.lease_release(actor=world["ci"], lease=lease, secret=secret)  # idempotent
        assert lease_check(environment=world["env"], actor=world["ci"], booking_id=world["booking"].pk).allowed
    assert released.released_at is not None and again.released_at == released.released_at


def test_releasing_the_booking_ends_its_leases(in_org, org_a, world):
    with in_org(org_a):
        lease, _ = services.lease_acquire(actor=world["dev"], environment=world["env"])
        services.booking_release(actor=world["dev"], booking=world["booking"])
        lease.refresh_from_db()
    assert not lease.is_valid()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"service_slug": "nope"}, "service"),
    ({"ttl_seconds": 5}, "ttl_seconds"),
    ({"ttl_seconds": 10 ** 7}, "ttl_seconds"),
])
def test_bad_lease_input_names_the_field(in_org, org_a, world, kwargs, field):
    with in_org(org_a), pytest.raises(InvalidInput) as caught:
        services.lease_acquire(actor=world["ci"], environment=world["env"], **kwargs)
    assert field in caught.value.fields
