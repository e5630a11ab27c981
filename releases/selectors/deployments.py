"""Reads of release slots, deployment plans, the release settings and recorded deployment checks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from releases.models import (
    ActivityStatus,
    DeploymentActivity,
    DeploymentCheck,
    Release,
    ReleaseSettings,
    ReleaseSlotWindow,
    SlotBooking,
)


def release_settings_get() -> ReleaseSettings:
    """The organization's settings; the defaults (unsaved) when none were stored."""
    return ReleaseSettings.objects.first() or ReleaseSettings()


# --- slots ----------------------------------------------------------------------------------

def slot_window_list() -> QuerySet[ReleaseSlotWindow]:
    return ReleaseSlotWindow.objects.order_by("name", "id")


@dataclass(frozen=True)
class Slot:
    window: ReleaseSlotWindow
    start: datetime
    end: datetime
    booked: tuple[SlotBooking, ...]

    @property
    def free(self) -> int:
        return max(self.window.capacity - len(self.booked), 0)


def slots_between(*, start: datetime, end: datetime, windows: list[ReleaseSlotWindow] | None = None,
                  limit: int = 200) -> list[Slot]:
    """Each slot (occurrence of a window) overlapping [start, end) with the releases booked into it."""
    windows = list(slot_window_list()) if windows is None else windows
    bookings: dict[tuple[int, datetime], list[SlotBooking]] = {}
    for booking in SlotBooking.objects.filter(window__in=windows, slot_end__gt=start, slot_start__lt=end
                                              ).select_related("release"):
        bookings.setdefault((booking.window_id, booking.slot_start), []).append(booking)
    slots = [Slot(window, s, e, tuple(bookings.get((window.pk, s), ())))
             for window in windows for s, e in window.recurrence.overlapping(start, end, limit=limit)]
    return sorted(slots, key=lambda slot: (slot.start, slot.window.pk))[:limit]


def slot_booking_list(*, release: Release | None = None, upcoming: bool = False) -> QuerySet[SlotBooking]:
    qs = SlotBooking.objects.select_related("window", "release").order_by("slot_start", "id")
    if release is not None:
        qs = qs.filter(release=release)
    if upcoming:
        qs = qs.filter(slot_end__gt=timezone.now())
    return qs


def next_slot_booking(*, release: Release, after: datetime) -> SlotBooking | None:
    return SlotBooking.objects.filter(release=release, slot_start__gt=after).order_by("slot_start").first()


# --- deployment plans -----------------------------------------------------------------------

@dataclass(frozen=True)
class PlanProgress:
    total: int
    done: int
    skipped: int

    @property
    def percent(self) -> int:
        finished = self.done + self.skipped
        return round(100 * finished / self.total) if self.total else 0


def plan_progress(activities: list[DeploymentActivity]) -> PlanProgress:
    counts = Counter(a.status for a in activities)
    return PlanProgress(total=len(activities), done=counts[ActivityStatus.DONE], skipped=counts[ActivityStatus.SKIPPED])


def activity_list(*, release: Release) -> QuerySet[DeploymentActivity]:
    return DeploymentActivity.objects.filter(release=release).select_related("owner").order_by("order", "id")


# --- checks ---------------------------------------------------------------------------------

def deployment_check_list() -> QuerySet[DeploymentCheck]:
    """Newest first; filtered by releases.filters.DeploymentCheckFilter."""
    return DeploymentCheck.objects.order_by("-checked_at", "-id")
