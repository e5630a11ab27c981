"""The periods a booking request covers: checked against the environment's rules, and expanded
from an RFC 5545 RRULE (python-dateutil) into bounded occurrences. Pure: no database."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from dateutil.rrule import rrulestr
from django.utils import timezone

from vsm.errors import InvalidInput

MAX_OCCURRENCES = 200
RECURRENCE_SPAN = timedelta(days=366)
# Bounds that keep every period and the free-slot search well inside what datetimes can hold.
BOOKING_HORIZON = timedelta(days=731)
LONGEST_BOOKING = timedelta(days=366)

Period = tuple[datetime, datetime]


def require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput.field(name, "Give the time with its UTC offset, e.g. 2025-03-01T09:00:00+01:00.")


def check_period(start: datetime, end: datetime, *, max_hours: int | None = None, label: str = "It") -> None:
    """A bookable period: with offsets, in order, not over yet, not too far ahead, not too long."""
    require_aware("start", start)
    require_aware("end", end)
    if end <= start:
        raise InvalidInput.field("end", "The end must be after the start.")
    now = timezone.now()
    if end <= now:
        raise InvalidInput.field("end", "The booking would be over already; choose a period in the future.")
    if start > now + BOOKING_HORIZON:
        raise InvalidInput.field("start", "Bookings start at most two years ahead.")
    if end - start > LONGEST_BOOKING:
        raise InvalidInput.field("end", "A booking lasts at most a year; book again later.")
    if max_hours and end - start > timedelta(hours=max_hours):
        raise InvalidInput.field("end", f"{label} is booked for at most {max_hours} hours at a time.")


def expand(start: datetime, end: datetime, rule: str | None, zone: tzinfo) -> list[Period]:
    """The periods a request covers: [start, end) alone, or each occurrence of `rule` within a
    year, each as long as [start, end). The rule is expanded in `zone`, so "every Monday 09:00"
    stays 09:00 local time across daylight saving changes. `start` acts as DTSTART."""
    if not rule or not rule.strip():
        return [(start, end)]
    text = rule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:"):]
    if "DTSTART" in text.upper() or "\n" in text:
        raise InvalidInput.field("rrule", "Give one RRULE without DTSTART: the booking's start is the first date.")
    try:
        occurrences = rrulestr(text, dtstart=start.astimezone(zone))
        length, limit, periods = end - start, start + RECURRENCE_SPAN, []
        for occurrence in occurrences:
            if occurrence >= limit:
                break
            periods.append((occurrence, occurrence + length))
            if len(periods) > MAX_OCCURRENCES:
                raise InvalidInput.field(
                    "rrule", f"The rule yields more than {MAX_OCCURRENCES} occurrences within a year; "
                             "add COUNT or UNTIL, or book less often.")
    except (ValueError, TypeError, OverflowError) as exc:
        raise InvalidInput.field("rrule", f"Not a valid RFC 5545 recurrence rule: {exc}") from exc
    if not periods:
        raise InvalidInput.field("rrule", "The rule yields no occurrence within a year of the start.")
    for (_, previous_end), (next_start, _) in zip(periods, periods[1:], strict=False):
        if next_start < previous_end:
            raise InvalidInput.field("rrule", "Occurrences would overlap each other; shorten the booking.")
    return periods
