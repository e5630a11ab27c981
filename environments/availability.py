"""Interval arithmetic on half-open periods `[start, end)`: how many bookings overlap at once,
and where the next free slot is. Pure functions over (start, end) pairs: the services and
selectors fetch the rows, this decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

Interval = tuple[datetime, datetime]

# How far ahead a conflict answer looks for a free slot of the same length.
SEARCH_HORIZON = timedelta(days=90)


def overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def peak_overlap(intervals: Iterable[Interval], start: datetime, end: datetime) -> int:
    """The largest number of `intervals` in force at one instant of [start, end)."""
    events: list[tuple[datetime, int]] = []
    for lower, upper in intervals:
        lower, upper = max(lower, start), min(upper, end)
        if lower < upper:
            events += [(lower, 1), (upper, -1)]
    # An end sorts before a start at the same instant: one booking ending at 10:00 and another
    # starting at 10:00 are never in force together.
    events.sort()
    peak = current = 0
    for _, delta in events:
        current += delta
        peak = max(peak, current)
    return peak


def fits(*, bookings: list[Interval], blocks: list[Interval], capacity: int, start: datetime,
         end: datetime) -> bool:
    """Whether one more booking of [start, end) stays within capacity and clear of every block."""
    if any(overlaps(block, (start, end)) for block in blocks):
        return False
    return peak_overlap(bookings, start, end) < capacity


def first_free_slot(*, bookings: list[Interval], blocks: list[Interval], capacity: int, start: datetime,
                    length: timedelta, horizon: timedelta = SEARCH_HORIZON) -> datetime | None:
    """The earliest start at or after `start` (and within the horizon) where a booking of
    `length` fits. The earliest fitting start is always `start` itself or the end of some
    booking or block, so only those are tried."""
    latest = start + horizon
    candidates = sorted({start} | {upper for _, upper in bookings + blocks if start < upper <= latest})
    for candidate in candidates:
        if fits(bookings=bookings, blocks=blocks, capacity=capacity, start=candidate, end=candidate + length):
            return candidate
    return None
