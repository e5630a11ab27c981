"""Factories of the environments app. Rows are written directly (not through the services), so
tests can set up states the services would refuse, like overlaps the database must catch."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from environments.models import (
    Booking,
    BookingKind,
    BookingSeries,
    DeploymentApprovalRequest,
    Environment,
    EnvironmentGroup,
    Lease,
    Outage,
    ProvisioningRequest,
    Tier,
    make_period,
)
from tests.factories import ServiceFactory, TeamFactory, TenantFactory, UserFactory, same_org


def hours_from_now(hours: float):
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    return now + timedelta(hours=hours)


class EnvironmentGroupFactory(TenantFactory):
    class Meta:
        model = EnvironmentGroup

    name = factory.Sequence(lambda n: f"Stack {n}")
    slug = factory.Sequence(lambda n: f"stack-{n}")


class EnvironmentFactory(TenantFactory):
    class Meta:
        model = Environment

    name = factory.Sequence(lambda n: f"Test env {n}")
    slug = factory.Sequence(lambda n: f"env-{n}")
    tier = Tier.TEST
    capacity = 1


class BookingSeriesFactory(TenantFactory):
    class Meta:
        model = BookingSeries

    rrule = "FREQ=WEEKLY;COUNT=4"


class BookingFactory(TenantFactory):
    class Meta:
        model = Booking

    class Params:
        start = factory.LazyFunction(lambda: hours_from_now(24))
        hours = 2

    environment = same_org(EnvironmentFactory)
    requested_by = factory.SubFactory(UserFactory)
    requester_label = factory.LazyAttribute(lambda o: o.requested_by.email if o.requested_by else "token:ci")
    team = None
    purpose = factory.Sequence(lambda n: f"Regression run {n}")
    kind = BookingKind.REGRESSION
    period = factory.LazyAttribute(lambda o: make_period(o.start, o.start + timedelta(hours=o.hours)))
    status = Booking.Status.APPROVED
    exclusive = factory.LazyAttribute(lambda o: o.environment.capacity == 1)


class OutageFactory(TenantFactory):
    class Meta:
        model = Outage

    class Params:
        start = factory.LazyFunction(lambda: hours_from_now(48))
        hours = 4

    environment = same_org(EnvironmentFactory)
    kind = Outage.Kind.MAINTENANCE
    period = factory.LazyAttribute(lambda o: make_period(o.start, o.start + timedelta(hours=o.hours)))
    reason = "Database upgrade"


class LeaseFactory(TenantFactory):
    class Meta:
        model = Lease

    environment = same_org(EnvironmentFactory)
    holder_label = "token:ci"
    token_digest = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=15))


class DeploymentApprovalRequestFactory(TenantFactory):
    class Meta:
        model = DeploymentApprovalRequest

    environment = same_org(EnvironmentFactory)
    service = same_org(ServiceFactory)
    service_slug = factory.LazyAttribute(lambda o: o.service.slug)
    version = "1.4.2"
    requested_by = factory.SubFactory(UserFactory)
    requester_label = factory.LazyAttribute(lambda o: o.requested_by.email)


class ProvisioningRequestFactory(TenantFactory):
    class Meta:
        model = ProvisioningRequest

    team = same_org(TeamFactory)
    tier = Tier.PERFORMANCE
    purpose = "Load tests for the spring sale"
    needed_by = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=14))
    requester_label = "someone@example.com"
