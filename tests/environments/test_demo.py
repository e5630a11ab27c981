"""The demo's environments: per value stream the five shared environments, a group, and a
month of bookings around today with some waiting; the same seed gives the same data."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from environments import demo
from environments.models import Booking, Environment, EnvironmentGroup, Outage
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ServiceFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
    ValueStreamFactory,
)
from vsm.catalog.models import ValueStream
from vsm.demo.seed import seed_demo
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def test_seed_demo_gives_every_value_stream_its_environments_and_a_month_of_bookings():
    org = seed_demo().organization
    today = timezone.localdate()
    with tenant_context(org):
        for stream in ValueStream.objects.all():
            tiers = set(Environment.objects.filter(value_stream=stream).values_list("tier", flat=True))
            assert {"integration", "uat", "performance", "staging", "production"} <= tiers
        assert EnvironmentGroup.objects.count() >= 1
        bookings = Booking.objects.all()
        days = {b.start.date() for b in bookings}
        assert min(days) <= today - timedelta(days=10) and max(days) >= today + timedelta(days=10)
        assert bookings.filter(status="requested").exists() and bookings.filter(status="approved").exists()
        assert Outage.objects.exists()


def _catalog(org, users):
    with tenant_context(org):
        for user, role in users:
            MembershipFactory(organization=org, user=user, role=role)
    for index, name in enumerate(["Payments", "Checkout"]):
        stream = ValueStreamFactory(organization=org, name=name, slug=name.lower())
        team = TeamFactory(organization=org, name=f"{name} team", slug=f"{name.lower()}-team")
        TeamMemberFactory(organization=org, team=team, user=users[index][0], is_manager=True)
        TeamMemberFactory(organization=org, team=team, user=users[2][0])
        ServiceFactory(organization=org, slug=f"{name.lower()}-api", value_stream=stream, team=team)


def _fingerprint(org):
    with tenant_context(org):
        return sorted(
            (b.environment.slug, b.start.isoformat(), b.end.isoformat(), b.status, b.purpose, b.team.slug)
            for b in Booking.objects.select_related("environment", "team"))


def test_the_same_seed_gives_the_same_environments_and_bookings():
    users = [(UserFactory(), Role.ENGINEER), (UserFactory(), Role.ENGINEER), (UserFactory(), Role.ENGINEER),
             (UserFactory(), Role.ENVIRONMENT_MANAGER)]
    first, second = OrganizationFactory(slug="first"), OrganizationFactory(slug="second")
    today = timezone.localdate()
    for org in (first, second):
        _catalog(org, users)
        with tenant_context(org):
            demo.seed(org, rng=random.Random(7), today=today)
    assert _fingerprint(first) == _fingerprint(second) and len(_fingerprint(first)) > 50
