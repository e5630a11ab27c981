"""Recurring windows in a named zone: wall-clock times hold across daylight saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from releases.recurrence import Recurrence, check
from vsm.errors import InvalidInput

BERLIN = ZoneInfo("Europe/Berlin")


def weekend(**kwargs) -> Recurrence:
    """Every Friday 16:00 to Monday 08:00, Berlin time, from Friday 14 March 2025."""
    return check(Recurrence(datetime(2025, 3, 14, 16, tzinfo=BERLIN), datetime(2025, 3, 17, 8, tzinfo=BERLIN),
                            kwargs.pop("rrule", "FREQ=WEEKLY;BYDAY=FR"), time_zone="Europe/Berlin", **kwargs))


@pytest.mark.parametrize(("friday", "monday", "real_hours"), [
    ((2025, 3, 21), (2025, 3, 24), 64),
    # Clocks go forward on Sunday 30 March 2025: starts in winter time, ends in summer time.
    ((2025, 3, 28), (2025, 3, 31), 63),
    # Clocks go back on Sunday 26 October 2025.
    ((2025, 10, 24), (2025, 10, 27), 65),
])
def test_a_weekend_freeze_keeps_its_local_times_across_a_dst_change(friday, monday, real_hours):
    start, end = weekend().overlapping(datetime(*friday, tzinfo=UTC), datetime(*friday, 23, tzinfo=UTC))[0]
    assert (start.astimezone(BERLIN).hour, end.astimezone(BERLIN).hour) == (16, 8)
    assert end.astimezone(BERLIN).date() == datetime(*monday).date()
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=real_hours)


@pytest.mark.parametrize(("moment", "active"), [
    (datetime(2025, 3, 28, 14, 59, tzinfo=UTC), False),  # 15:59 CET on Friday
    (datetime(2025, 3, 28, 15, 0, tzinfo=UTC), True),    # 16:00 CET
    (datetime(2025, 3, 31, 5, 59, tzinfo=UTC), True),    # 07:59 CEST on Monday
    (datetime(2025, 3, 31, 6, 0, tzinfo=UTC), False),    # 08:00 CEST: over (it would be 07:00 CET by length)
])
def test_active_at_reads_wall_clock_boundaries(moment, active):
    assert (weekend().active_at(moment) is not None) is active


def test_an_exdate_removes_one_occurrence():
    easter = datetime(2025, 4, 18, 16, tzinfo=BERLIN)
    rule = weekend(exdates=(easter,))
    assert rule.active_at(datetime(2025, 4, 19, 12, tzinfo=UTC)) is None
    assert rule.active_at(datetime(2025, 4, 26, 12, tzinfo=UTC)) is not None


def test_back_to_back_occurrences_end_when_the_run_ends():
    nights = check(Recurrence(datetime(2025, 1, 6, tzinfo=UTC), datetime(2025, 1, 7, tzinfo=UTC),
                              "FREQ=DAILY;COUNT=3", time_zone="UTC"))
    assert nights.active_at(datetime(2025, 1, 6, 12, tzinfo=UTC)) == (
        datetime(2025, 1, 6, tzinfo=UTC), datetime(2025, 1, 9, tzinfo=UTC))
    assert nights.last_end() == datetime(2025, 1, 9, tzinfo=UTC)


def test_an_endless_rule_has_no_last_end_and_a_one_off_ends_when_it_ends():
    assert weekend().last_end() is None
    once = check(Recurrence(datetime(2025, 12, 20, tzinfo=BERLIN), datetime(2026, 1, 5, tzinfo=BERLIN)))
    assert once.last_end() == datetime(2026, 1, 5, tzinfo=BERLIN)
    assert once.active_at(datetime(2025, 12, 24, tzinfo=UTC)) is not None


AT = datetime(2025, 3, 14, 16, tzinfo=BERLIN)


@pytest.mark.parametrize(("recurrence", "field"), [
    (Recurrence(AT, AT - timedelta(hours=1)), "ends_at"),
    (Recurrence(AT.replace(tzinfo=None), AT + timedelta(hours=1)), "starts_at"),
    (Recurrence(AT, AT + timedelta(hours=1), time_zone="Mars/Olympus"), "time_zone"),
    (Recurrence(AT, AT + timedelta(hours=1), "FREQ=SOMETIMES"), "rrule"),
    (Recurrence(AT, AT + timedelta(hours=1), "FREQ=HOURLY"), "rrule"),
    (Recurrence(AT, AT + timedelta(hours=1), "DTSTART:20250101T000000Z;FREQ=DAILY"), "rrule"),
    (Recurrence(AT, AT + timedelta(hours=1), "FREQ=WEEKLY;BYDAY=XX"), "rrule"),
    (Recurrence(AT, AT + timedelta(hours=1), "FREQ=DAILY;UNTIL=20240101T000000Z"), "rrule"),
    (Recurrence(AT, AT + timedelta(hours=1), "FREQ=DAILY", exdates=(AT + timedelta(hours=3),)), "exdates"),
    (Recurrence(AT, AT + timedelta(hours=1), "", exdates=(AT,)), "exdates"),
    (Recurrence(AT, AT + timedelta(days=400), "FREQ=YEARLY"), "ends_at"),
    (Recurrence(AT, AT + timedelta(hours=1), "FREQ=WEEKLY;INTERVAL=0"), "rrule"),
    (Recurrence(AT, AT + timedelta(hours=1), "FREQ=WEEKLY;INTERVAL=-1"), "rrule"),
    # Year 1 in Tokyo is year 0 in UTC: stored by PostgreSQL, unreadable by Python.
    (Recurrence(datetime(1, 1, 1, 0, 10, tzinfo=ZoneInfo("Asia/Tokyo")),
                datetime(1, 1, 1, 0, 30, tzinfo=ZoneInfo("Asia/Tokyo"))), "starts_at"),
    (Recurrence(AT, datetime(9999, 12, 31, tzinfo=UTC)), "ends_at"),
])
def test_a_window_that_cannot_be_evaluated_is_refused_naming_the_field(recurrence, field):
    with pytest.raises(InvalidInput) as refused:
        check(recurrence)
    assert field in refused.value.fields


def test_rrule_prefix_is_accepted_and_dropped():
    assert weekend(rrule="RRULE:FREQ=WEEKLY;BYDAY=FR").rrule == "FREQ=WEEKLY;BYDAY=FR"
