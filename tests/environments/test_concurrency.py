"""Fifty requests at once for overlapping periods: the lock and the exclusion constraint let
exactly `capacity` through; every other request gets a clean conflict, and nothing is lost or
half-written. Each thread has its own database connection, so these are real concurrent
transactions, committed for real."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from django.utils import timezone

from environments import services
from environments.models import Booking
from environments.services import BookingConflict
from tests.environments.factories import EnvironmentFactory, EnvironmentGroupFactory
from vsm.audit.models import AuditEvent
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 50


@pytest.mark.parametrize("capacity", [1, 2])
def test_fifty_simultaneous_requests_yield_exactly_capacity_approved_bookings(org_a, org_b, owner_a, race, capacity):
    env = EnvironmentFactory(organization=org_a, capacity=capacity)
    EnvironmentFactory(organization=org_b, slug=env.slug)
    actor = Actor(role=Role.OWNER, user=owner_a)
    start = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)

    def request(i: int):
        # Every period contains start + 1h, so any capacity + 1 of them overlap at once.
        offset = timedelta(minutes=i)
        return services.booking_request(actor=actor, environment=env, start=start + offset,
                                        end=start + offset + timedelta(hours=2), purpose=f"request {i}")

    results, errors = race(org_a, [partial(request, i) for i in range(REQUESTS)])

    conflicts = [e for e in errors if isinstance(e, BookingConflict)]
    assert [e for e in errors if not isinstance(e, BookingConflict)] == []
    assert len(results) == capacity and len(conflicts) == REQUESTS - capacity
    assert all(e.status == 409 and e.details["conflicts"] for e in conflicts)
    with tenant_context(org_a):
        stored = list(Booking.objects.all())
        audited = AuditEvent.objects.filter(action="booking.requested").count()
    assert len(stored) == capacity and {b.status for b in stored} == {"approved"}
    assert audited == capacity  # no audit event for a refused request, none missing for a granted one


def test_simultaneous_group_bookings_never_deadlock_and_one_wins_whole(org_a, owner_a, race):
    group = EnvironmentGroupFactory(organization=org_a)
    members = [EnvironmentFactory(organization=org_a, group=group) for _ in range(3)]
    actor = Actor(role=Role.OWNER, user=owner_a)
    start = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)

    def request(i: int):
        # Half book the group, half one member alone: the locks are taken in the same order.
        target = {"group": group} if i % 2 else {"environment": members[i % 3]}
        return services.booking_request(actor=actor, start=start, end=start + timedelta(hours=1),
                                        purpose=f"request {i}", **target)

    results, errors = race(org_a, [partial(request, i) for i in range(REQUESTS)])

    assert [e for e in errors if not isinstance(e, BookingConflict)] == []
    with tenant_context(org_a):
        per_env = {m.pk: Booking.objects.filter(environment=m).count() for m in members}
    assert set(per_env.values()) == {1}  # each member held once, by a whole group or by one single booking
    assert sum(len(r) for r in results) == 3
