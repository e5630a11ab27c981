"""Recurring windows (freeze windows, release slots): one first occurrence [starts_at, ends_at),
optionally repeated by an RFC 5545 RRULE with EXDATEs, expanded in a named time zone.

The rule runs on local wall-clock time: "every Friday 16:00 to Monday 08:00" in Europe/Berlin
starts at 16:00 local and ends at 08:00 local on either side of a daylight saving change, so an
occurrence lasts the first occurrence's *wall-clock* length (64 hours here), which is 63 or 65
real hours on the weekends the clocks change. Pure: no database.
"""

from __future__ import annotations

import functools
import itertools
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.rrule import rruleset, rrulestr

from vsm.errors import InvalidInput
from vsm.moments import moment_text

# Freeze windows and release slots recur by the day or coarser; finer rules would make every
# check walk thousands of occurrences.
ALLOWED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
LONGEST_OCCURRENCE = timedelta(days=366)
# How far a run of back-to-back occurrences is followed to find when a window really ends.
CHAIN_HORIZON = timedelta(days=366)
# A bounded rule with more occurrences than this is treated as unbounded (no stored last end).
MAX_FINITE = 5000
# Moments outside these years cannot be expanded or stored safely (a year-1 start in an eastern
# zone is year 0 in UTC, which PostgreSQL keeps and Python cannot read back; a year-9999 start
# has no next occurrence to expand).
YEARS = (1970, 2200)

Period = tuple[datetime, datetime]


@dataclass(frozen=True)
class Recurrence:
    starts_at: datetime
    ends_at: datetime
    rrule: str = ""
    exdates: tuple[datetime, ...] = ()
    time_zone: str = "UTC"

    @functools.cached_property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @functools.cached_property
    def wall_length(self) -> timedelta:
        zone = self.zone
        return _naive(self.ends_at.astimezone(zone)) - _naive(self.starts_at.astimezone(zone))

    def end_of(self, start: datetime) -> datetime:
        """The end of the occurrence starting at `start`: the same wall-clock length later."""
        local = start.astimezone(self.zone)
        return (_naive(local) + self.wall_length).replace(tzinfo=self.zone)

    def _set(self) -> rruleset | None:
        if not self.rrule:
            return None
        return _ruleset(self.rrule, self.starts_at.astimezone(self.zone).isoformat(), self.time_zone,
                        tuple(sorted(self.exdates)))

    def overlapping(self, start: datetime, end: datetime, limit: int = 1000) -> list[Period]:
        """Occurrences overlapping [start, end), earliest first."""
        rules = self._set()
        if rules is None:
            return [(self.starts_at, self.ends_at)] if self.starts_at < end and start < self.ends_at else []
        # An occurrence that started up to one wall length (plus a DST hour) ago may still run.
        lookback = start - self.wall_length - timedelta(hours=2)
        found = []
        for occurrence in rules.xafter(lookback.astimezone(self.zone), inc=True):
            if occurrence >= end or len(found) >= limit:
                break
            occurrence_end = self.end_of(occurrence)
            if occurrence_end > start:
                found.append((occurrence, occurrence_end))
        return found

    def active_at(self, at: datetime) -> Period | None:
        """The occurrence in force at `at`, its end extended over occurrences that follow
        without a gap (so "frozen until" is when deployments may really resume)."""
        running = [p for p in self.overlapping(at, at + timedelta(microseconds=1)) if p[0] <= at]
        if not running:
            return None
        start, end = running[0][0], max(p[1] for p in running)
        rules = self._set()
        if rules is None:
            return start, end
        horizon = at + CHAIN_HORIZON
        while end < horizon:
            following = rules.after(end.astimezone(self.zone), inc=True)
            if following is None or following > end:
                break
            end = max(end, self.end_of(following))
        return start, min(end, horizon)

    def next_start(self, after: datetime) -> datetime | None:
        """The first occurrence starting after `after` (None when there is none)."""
        rules = self._set()
        if rules is None:
            return self.starts_at if self.starts_at > after else None
        return rules.after(after.astimezone(self.zone), inc=False)

    def last_end(self) -> datetime | None:
        """When the last occurrence ends; None for a rule without COUNT or UNTIL (or a huge one)."""
        rules = self._set()
        if rules is None:
            return self.ends_at
        text = self.rrule.upper()
        if "COUNT=" not in text and "UNTIL=" not in text:
            return None
        occurrences = list(itertools.islice(rules, MAX_FINITE + 1))
        if len(occurrences) > MAX_FINITE:
            return None
        return max(self.end_of(o) for o in occurrences) if occurrences else self.ends_at


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def normalize_rrule(text: str | None) -> str:
    text = (text or "").strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:"):]
    return text.strip()


@functools.lru_cache(maxsize=512)
def _ruleset(rule: str, dtstart_iso: str, time_zone: str, exdates: tuple[datetime, ...]) -> rruleset:
    """Parsed once per distinct window: every deployment check evaluates the same few rules,
    and dateutil's cache keeps the occurrences already walked."""
    dtstart = datetime.fromisoformat(dtstart_iso).replace(tzinfo=zoneinfo.ZoneInfo(time_zone))
    rules = rrulestr(rule, dtstart=dtstart, forceset=True, cache=True)
    for exdate in exdates:
        rules.exdate(exdate)
    return rules


def check(recurrence: Recurrence) -> Recurrence:
    """Raise InvalidInput naming the field (`starts_at`, `ends_at`, `time_zone`, `rrule`,
    `exdates`) when the window could never be evaluated sensibly; return it normalized."""
    for name in ("starts_at", "ends_at"):
        value = getattr(recurrence, name)
        if value is None:
            raise InvalidInput.field(name, "This field is required.")
        if value.tzinfo is None or value.utcoffset() is None:
            raise InvalidInput.field(name, "Give the time with its UTC offset, e.g. 2025-12-19T16:00:00+01:00.")
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise InvalidInput.field(name, f"Choose a moment between {YEARS[0]} and {YEARS[1]}.")
    if recurrence.ends_at <= recurrence.starts_at:
        raise InvalidInput.field("ends_at", "The end must be after the start.")
    if recurrence.time_zone not in zoneinfo.available_timezones():
        raise InvalidInput.field("time_zone", f"'{recurrence.time_zone}' is not a known IANA time zone.")
    rule = normalize_rrule(recurrence.rrule)
    exdates = tuple(recurrence.exdates or ())
    if not rule:
        if exdates:
            raise InvalidInput.field("exdates", "Exceptions (EXDATE) only apply to a recurring window (rrule).")
        return Recurrence(recurrence.starts_at, recurrence.ends_at, "", (), recurrence.time_zone)
    if recurrence.wall_length > LONGEST_OCCURRENCE:
        raise InvalidInput.field("ends_at", "A recurring window's occurrence lasts at most a year.")
    upper = rule.upper()
    if "DTSTART" in upper or "\n" in rule or "EXDATE" in upper or "RDATE" in upper:
        raise InvalidInput.field("rrule", "Give one RRULE without DTSTART, EXDATE or RDATE: the start is "
                                          "starts_at and exceptions go in exdates.")
    parts = dict(part.split("=", 1) for part in upper.split(";") if "=" in part)
    if parts.get("FREQ") not in ALLOWED_FREQUENCIES:
        raise InvalidInput.field("rrule", f"FREQ must be one of {', '.join(ALLOWED_FREQUENCIES)}.")
    if not parts.get("INTERVAL", "1").isdigit() or int(parts.get("INTERVAL", "1")) < 1:
        raise InvalidInput.field("rrule", "INTERVAL must be a whole number of at least 1.")
    for moment in exdates:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise InvalidInput.field("exdates", "Give each exception with its UTC offset.")
    normalized = Recurrence(recurrence.starts_at, recurrence.ends_at, rule, exdates, recurrence.time_zone)
    try:
        rules = rrulestr(rule, dtstart=recurrence.starts_at.astimezone(normalized.zone), forceset=True)
        first = rules.after(recurrence.starts_at.astimezone(normalized.zone) - timedelta(seconds=1), inc=True)
        if first is not None:
            rules.after(first)  # walking on from the first occurrence is what every reader does
    except (ValueError, TypeError, OverflowError, KeyError, AttributeError) as exc:
        raise InvalidInput.field("rrule", f"Not a valid RFC 5545 recurrence rule: {exc}") from exc
    if first is None:
        raise InvalidInput.field("rrule", "The rule yields no occurrence.")
    for moment in exdates:
        found = rules.after(moment - timedelta(microseconds=1), inc=True)
        if found is None or found != moment:
            raise InvalidInput.field("exdates", f"{moment_text(moment)} is not the start of an occurrence of the rule.")
    return normalized
