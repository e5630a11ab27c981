"""Booking rules as the services enforce them: capacity, half-open periods, outages, groups,
recurrence, approval, and the changes a holder may make."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from environments import services
from environments.models import Booking, make_period
from environments.services import BookingConflict
from tests.environments.factories import (
    BookingFactory,
    EnvironmentFactory,
    EnvironmentGroupFactory,
    OutageFactory,
)
from tests.factories import TeamFactory, TeamMemberFactory
from vsm.audit.models import AuditEvent
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")


def day(hour: float) -> datetime:
    """`hour` hours after midnight (UTC) three days from now: always in the future."""
    base = (timezone.now() + timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    return base + timedelta(hours=hour)


@pytest.fixture
def engineer(org_a, member_factory):
    user = member_factory(Role.ENGINEER, email="eve@acme.test")
    return Actor(role=Role.ENGINEER, user=user)


@pytest.fixture
def team(org_a, engineer):
    team = TeamFactory(organization=org_a, name="Checkout", slug="checkout")
    TeamMemberFactory(organization=org_a, team=team, user=engineer.user)
    return team


@pytest.fixture
def env(org_a, org_b):
    EnvironmentFactory(organization=org_b, name="B's SIT", slug="sit")  # same slug, other org: irrelevant
    return EnvironmentFactory(organization=org_a, name="SIT 1", slug="sit")


def book(actor, environment, start, end, **extra):
    return services.booking_request(actor=actor, environment=environment, start=start, end=end,
                                    purpose=extra.pop("purpose", "regression"), **extra)


def test_a_free_environment_is_booked_and_approved_at_once(in_org, org_a, env, engineer, team):
    with in_org(org_a):
        (booking,) = book(engineer, env, day(9), day(11))
        assert booking.status == Booking.Status.APPROVED
        assert booking.team == team  # the requester's only team
        assert booking.requester_label == "eve@acme.test"
        assert AuditEvent.objects.filter(action="booking.requested", object_id=str(booking.pk)).exists()


@pytest.mark.parametrize(("start", "end", "conflicts"), [
    (11, 13, False),  # starts exactly when the first ends: half-open, no overlap
    (7, 9, False),    # ends exactly when the first starts
    (10, 12, True),
    (8, 9.5, True),
    (10.5, 10.75, True),
])
def test_half_open_periods(in_org, org_a, env, engineer, start, end, conflicts):
    with in_org(org_a):
        book(engineer, env, day(9), day(11))
        if conflicts:
            with pytest.raises(BookingConflict):
                book(engineer, env, day(start), day(end))
        else:
            assert book(engineer, env, day(start), day(end))[0].status == Booking.Status.APPROVED


def test_a_conflict_names_the_booking_and_offers_a_free_slot_and_an_equivalent_environment(
        in_org, org_a, env, engineer, team, member_factory):
    group = EnvironmentGroupFactory(organization=org_a, name="Checkout stack")
    env.group = group
    with in_org(org_a):
        env.save()
        sibling = EnvironmentFactory(organization=org_a, name="SIT 2", slug="sit-2", tier=env.tier, group=group)
        EnvironmentFactory(organization=org_a, name="UAT", slug="uat", tier="uat", group=group)  # another tier
        other = Actor(role=Role.ENGINEER, user=member_factory(Role.ENGINEER, email="olaf@acme.test"))
        (taken,) = book(engineer, env, day(9), day(12))
        BookingFactory(organization=org_a, environment=env, start=day(12), hours=1)  # back to back
        with pytest.raises(BookingConflict) as caught:
            book(other, env, day(10), day(12))
    details = caught.value.details
    assert caught.value.status == 409
    assert "Checkout" in caught.value.message
    assert details["conflicts"][0] == {
        "id": taken.pk, "environment": "sit", "status": "approved", "team": "checkout",
        "requester": "eve@acme.test", "start": day(9), "end": day(12), "purpose": "regression"}
    # Same length (2 h), after both back-to-back bookings.
    assert details["next_free_slot"] == {"start": day(13), "end": day(15)}
    assert details["alternative_environment"] == {"slug": sibling.slug, "name": "SIT 2"}


def test_an_outage_blocks_bookings_and_is_named(in_org, org_a, env, engineer):
    with in_org(org_a):
        outage = OutageFactory(organization=org_a, environment=env, start=day(8), hours=4, reason="DB upgrade")
        with pytest.raises(BookingConflict) as caught:
            book(engineer, env, day(11), day(13))
        assert book(engineer, env, day(12), day(14))[0].status == Booking.Status.APPROVED
    assert "DB upgrade" in caught.value.message
    assert caught.value.details["outages"][0]["id"] == outage.pk
    assert caught.value.details["conflicts"] == []


def test_capacity_two_counts_the_peak_overlap_not_the_number_of_overlapping_bookings(in_org, org_a, engineer):
    with in_org(org_a):
        env = EnvironmentFactory(organization=org_a, capacity=2)
        book(engineer, env, day(9), day(11))
        book(engineer, env, day(11), day(13))
        # Overlaps two bookings, but never both at once: fits in capacity 2.
        assert book(engineer, env, day(10), day(12))[0].status == Booking.Status.APPROVED
        with pytest.raises(BookingConflict):
            book(engineer, env, day(10.5), day(10.75))  # 9-11 and 10-12 already hold it here


def test_the_database_refuses_overlapping_approved_bookings_on_a_capacity_one_environment(in_org, org_a, env):
    with in_org(org_a):
        BookingFactory(organization=org_a, environment=env, start=day(9), hours=2)
        with pytest.raises(IntegrityError), transaction.atomic():
            BookingFactory(organization=org_a, environment=env, start=day(10), hours=2)
        # Waiting requests and bookings of a shared (capacity > 1) environment are not bound by it.
        BookingFactory(organization=org_a, environment=env, start=day(10), hours=2, status="requested")
        shared = EnvironmentFactory(organization=org_a, capacity=3)
        BookingFactory(organization=org_a, environment=shared, start=day(9), hours=2)
        BookingFactory(organization=org_a, environment=shared, start=day(10), hours=2)


def test_booking_a_group_books_every_member_or_none(in_org, org_a, engineer):
    group = EnvironmentGroupFactory(organization=org_a)
    members = [EnvironmentFactory(organization=org_a, group=group) for _ in range(3)]
    with in_org(org_a):
        BookingFactory(organization=org_a, environment=members[2], start=day(10), hours=1)
        with pytest.raises(BookingConflict) as caught:
            services.booking_request(actor=engineer, group=group, start=day(9), end=day(11), purpose="e2e")
        assert Booking.objects.count() == 1  # nothing half-written
        assert caught.value.details["occurrences"] == [{"environment": members[2].slug, "start": day(9),
                                                        "end": day(11)}]
        assert caught.value.details["next_free_slot"]["start"] == day(11)  # free on all three from then
        bookings = services.booking_request(actor=engineer, group=group, start=day(12), end=day(14), purpose="e2e")
    assert sorted(b.environment_id for b in bookings) == sorted(m.pk for m in members)
    assert all(b.via_group == group and b.status == "approved" for b in bookings)


def test_a_recurring_booking_is_refused_whole_when_one_occurrence_conflicts(in_org, org_a, env, engineer):
    with in_org(org_a):
        BookingFactory(organization=org_a, environment=env, start=day(9) + timedelta(days=14), hours=1)
        with pytest.raises(BookingConflict) as caught:
            book(engineer, env, day(9), day(10), rrule="FREQ=WEEKLY;COUNT=4")
        assert Booking.objects.count() == 1
        assert caught.value.details["occurrences"] == [
            {"environment": "sit", "start": day(9) + timedelta(days=14), "end": day(10) + timedelta(days=14)}]
        bookings = book(engineer, env, day(11), day(12), rrule="RRULE:FREQ=WEEKLY;COUNT=4")
    assert [b.start for b in bookings] == [day(11) + timedelta(weeks=w) for w in range(4)]
    assert len({b.series_id for b in bookings}) == 1 and bookings[0].series.rrule == "RRULE:FREQ=WEEKLY;COUNT=4"


def test_recurrence_keeps_the_wall_clock_time_across_daylight_saving(in_org, org_a, env, engineer):
    berlin = ZoneInfo("Europe/Berlin")
    start = datetime(timezone.now().year + 1, 3, 23, 9, 0, tzinfo=berlin)  # DST starts on the last Sunday of March
    with in_org(org_a):
        bookings = book(engineer, env, start, start + timedelta(hours=1), rrule="FREQ=WEEKLY;COUNT=2",
                        time_zone="Europe/Berlin")
    assert [b.start.astimezone(berlin).hour for b in bookings] == [9, 9]
    assert [b.start.astimezone(UTC).hour for b in bookings] == [8, 7]


@pytest.mark.parametrize(("changes", "field"), [
    ({"end": -1}, "end"),                      # end before start
    ({"end": 0}, "end"),                       # empty period
    ({"start": "naive"}, "start"),             # no UTC offset
    ({"past": True}, "end"),                   # already over
    ({"end": 30}, "end"),                      # longer than the environment allows (24 h)
    ({"purpose": "  "}, "purpose"),
    ({"kind": "party"}, "kind"),
    ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
    ({"rrule": "FREQ=HOURLY"}, "rrule"),       # more than 200 occurrences in a year
    ({"rrule": "DTSTART:20300101T000000Z\nRRULE:FREQ=DAILY"}, "rrule"),
    ({"rrule": "FREQ=HOURLY;COUNT=3"}, "rrule"),  # 2-hour occurrences an hour apart overlap
    ({"foreign_team": True}, "team"),
    ({"unbookable": True}, "environment"),
])
def test_bad_booking_input_names_the_field(in_org, org_a, env, engineer, changes, field):
    start, end = day(9), day(11)
    kwargs = {"purpose": "regression"}
    with in_org(org_a):
        env.max_booking_hours = 24
        env.is_bookable = not changes.get("unbookable")
        env.save()
        if "end" in changes:
            end = start + timedelta(hours=changes["end"])
        if changes.get("start") == "naive":
            start = start.replace(tzinfo=None)
        if changes.get("past"):
            start, end = day(-100), day(-99)
        if changes.get("foreign_team"):
            kwargs["team"] = TeamFactory(organization=org_a)
        for key in ("purpose", "kind", "rrule"):
            if key in changes:
                kwargs[key] = changes[key]
        with pytest.raises(InvalidInput) as caught:
            book(engineer, env, start, end, **kwargs)
        assert not Booking.objects.exists()
    assert field in caught.value.fields


def test_a_viewer_may_not_book(in_org, org_a, env, member_factory):
    viewer = Actor(role=Role.VIEWER, user=member_factory(Role.VIEWER))
    with in_org(org_a), pytest.raises(PermissionRefused):
        book(viewer, env, day(9), day(10))


# --- approval --------------------------------------------------------------------------------

@pytest.fixture
def gated(org_a, member_factory):
    """An environment that needs approval, owned by a team whose manager approves."""
    owners = TeamFactory(organization=org_a, name="Test Centre", slug="test-centre")
    manager = member_factory(Role.ENGINEER, email="mona@acme.test")
    TeamMemberFactory(organization=org_a, team=owners, user=manager, is_manager=True)
    env = EnvironmentFactory(organization=org_a, name="UAT", slug="uat", requires_approval=True, owning_team=owners)
    return env, Actor(role=Role.ENGINEER, user=manager)


def test_a_request_waits_for_the_owning_teams_manager_who_is_notified(in_org, org_a, gated, engineer, outbox):
    env, manager = gated
    with in_org(org_a):
        (booking,) = book(engineer, env, day(9), day(10))
    assert booking.status == Booking.Status.REQUESTED
    assert [(m["recipients"], m["kind"]) for m in outbox] == [([manager.user], "approval_needed")]
    assert outbox[0]["url"] == "/o/acme/environments/approvals/"


def test_the_requester_cannot_approve_their_own_booking(in_org, org_a, gated, owner_a):
    env, _ = gated
    owner = Actor(role=Role.OWNER, user=owner_a)  # may approve anything, except this
    with in_org(org_a):
        (booking,) = book(owner, env, day(9), day(10))
        with pytest.raises(PermissionRefused, match="your own"):
            services.booking_approve(actor=owner, booking=booking)
        booking.refresh_from_db()
    assert booking.status == Booking.Status.REQUESTED


def test_an_engineer_who_manages_no_owning_team_cannot_approve(in_org, org_a, gated, engineer, member_factory):
    env, _ = gated
    bystander = Actor(role=Role.ENGINEER, user=member_factory(Role.ENGINEER))
    with in_org(org_a):
        (booking,) = book(engineer, env, day(9), day(10))
        with pytest.raises(PermissionRefused):
            services.booking_approve(actor=bystander, booking=booking)


@pytest.mark.parametrize("approver_role", ["team_manager", Role.APPROVER, Role.ENVIRONMENT_MANAGER])
def test_approvers_approve_and_the_requester_hears_of_it(in_org, org_a, gated, engineer, member_factory, outbox,
                                                         approver_role):
    env, manager = gated
    approver = manager if approver_role == "team_manager" else Actor(
        role=approver_role, user=member_factory(approver_role))
    with in_org(org_a):
        (booking,) = book(engineer, env, day(9), day(10))
        services.booking_approve(actor=approver, booking=booking, note="enjoy")
        booking.refresh_from_db()
    assert (booking.status, booking.decided_by, booking.decision_note) == ("approved", approver.user, "enjoy")
    assert outbox[-1]["recipients"] == [engineer.user] and outbox[-1]["kind"] == "decision_made"


def test_approving_checks_the_period_again(in_org, org_a, gated, engineer, member_factory):
    env, manager = gated
    other = Actor(role=Role.ENGINEER, user=member_factory(Role.ENGINEER))
    with in_org(org_a):
        (first,) = book(engineer, env, day(9), day(11))
        (second,) = book(other, env, day(10), day(12))  # both may wait; only one can win
        services.booking_approve(actor=manager, booking=first)
        with pytest.raises(BookingConflict) as caught:
            services.booking_approve(actor=manager, booking=second)
        services.booking_reject(actor=manager, booking=second, note="taken")
        second.refresh_from_db()
        with pytest.raises(Conflict, match="already rejected"):
            services.booking_approve(actor=manager, booking=second)
    assert caught.value.details["conflicts"][0]["id"] == first.pk
    assert second.status == "rejected"


# --- holders' changes ------------------------------------------------------------------------

def test_extend_into_free_time_and_not_into_a_taken_one(in_org, org_a, env, engineer):
    with in_org(org_a):
        (booking,) = book(engineer, env, day(9), day(10))
        BookingFactory(organization=org_a, environment=env, start=day(12), hours=1)
        services.booking_extend(actor=engineer, booking=booking, end=day(12))  # up to the next one: fine
        with pytest.raises(BookingConflict):
            services.booking_extend(actor=engineer, booking=booking, end=day(12.5))
        with pytest.raises(InvalidInput):
            services.booking_extend(actor=engineer, booking=booking, end=day(11))
        booking.refresh_from_db()
    assert booking.end == day(12)


def test_cancel_frees_the_slot_and_only_holders_may_cancel(in_org, org_a, env, engineer, member_factory):
    stranger = Actor(role=Role.ENGINEER, user=member_factory(Role.ENGINEER))
    with in_org(org_a):
        (booking,) = book(engineer, env, day(9), day(10))
        with pytest.raises(PermissionRefused):
            services.booking_cancel(actor=stranger, booking=booking)
        services.booking_cancel(actor=engineer, booking=booking)
        assert book(stranger, env, day(9), day(10))[0].status == "approved"
        with pytest.raises(Conflict):
            services.booking_cancel(actor=engineer, booking=booking)


def test_release_early_ends_the_booking_now(in_org, org_a, env, engineer):
    with in_org(org_a):
        now = timezone.now()
        booking = BookingFactory(organization=org_a, environment=env, requested_by=engineer.user,
                                 start=now - timedelta(hours=1), hours=3)
        upcoming = BookingFactory(organization=org_a, environment=env, requested_by=engineer.user, start=day(9))
        services.booking_release(actor=engineer, booking=booking)
        booking.refresh_from_db()
        with pytest.raises(Conflict, match="cancel it instead"):
            services.booking_release(actor=engineer, booking=upcoming)
    assert booking.status == "released"
    assert now <= booking.end <= timezone.now()


def test_lowering_capacity_below_the_overlap_is_refused(in_org, org_a, actor_a):
    with in_org(org_a):
        env = EnvironmentFactory(organization=org_a, capacity=2)
        BookingFactory(organization=org_a, environment=env, start=day(9), hours=2)
        BookingFactory(organization=org_a, environment=env, start=day(10), hours=2)
        with pytest.raises(Conflict) as caught:
            services.environment_update(actor=actor_a, environment=env, capacity=1)
        assert "capacity" in caught.value.fields
        services.environment_update(actor=actor_a, environment=env, capacity=3)
        assert set(Booking.objects.values_list("exclusive", flat=True)) == {False}


def test_the_period_is_stored_in_utc_and_half_open(in_org, org_a, env, engineer):
    berlin = ZoneInfo("Europe/Berlin")
    start = day(9).astimezone(berlin)
    with in_org(org_a):
        (booking,) = book(engineer, env, start, start + timedelta(hours=1))
        booking.refresh_from_db()
    assert booking.period.lower == day(9) and booking.period.lower_inc and not booking.period.upper_inc
    assert booking.period == make_period(day(9), day(10))
