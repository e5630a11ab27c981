"""Release slots: production release windows with a capacity, the releases booked into them,
and the organization's setting that makes them required."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from releases.models import Release, ReleaseSettings, ReleaseSlotWindow, SlotBooking
from releases.recurrence import Recurrence, check
from releases.services._common import UNSET, organization_time_zone, require, require_text
from vsm.audit.services import audit_record, snapshot
from vsm.entities import delete_entity
from vsm.errors import Conflict, InvalidInput
from vsm.moments import moment_text
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm

MAX_CAPACITY = 100


def _check_capacity(capacity: int) -> int:
    if isinstance(capacity, bool) or not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        raise InvalidInput.field("capacity", f"Between 1 and {MAX_CAPACITY} releases per slot.")
    return capacity


def _apply(window: ReleaseSlotWindow, *, name, capacity, starts_at, ends_at, rrule, exdates, time_zone) -> None:
    window.name = require_text("name", name, max_length=200)
    window.capacity = _check_capacity(capacity)
    recurrence = check(Recurrence(starts_at, ends_at, rrule or "", tuple(exdates or ()),
                                  time_zone or organization_time_zone()))
    window.starts_at, window.ends_at, window.rrule = recurrence.starts_at, recurrence.ends_at, recurrence.rrule
    window.exdates, window.time_zone = list(recurrence.exdates), recurrence.time_zone
    window.last_ends_at = recurrence.last_end()


def slot_window_create(*, actor: Actor, name: str, starts_at: datetime, ends_at: datetime, rrule: str = "",
                       exdates: Iterable[datetime] = (), time_zone: str | None = None, capacity: int = 3
                       ) -> ReleaseSlotWindow:
    """A window like "Tuesday and Thursday 18:00-22:00": the first slot [starts_at, ends_at),
    repeated by `rrule` in `time_zone` (default: the organization's); `capacity` releases per slot."""
    require(actor, Perm.MANAGE_RELEASES)
    window = ReleaseSlotWindow()
    _apply(window, name=name, capacity=capacity, starts_at=starts_at, ends_at=ends_at, rrule=rrule, exdates=exdates,
           time_zone=time_zone)
    with transaction.atomic():
        window.save()
        audit_record(actor=actor, action="releaseslotwindow.created", instance=window, after=snapshot(window))
    return window


def slot_window_update(*, actor: Actor, window: ReleaseSlotWindow, name=UNSET, starts_at=UNSET, ends_at=UNSET,
                       rrule=UNSET, exdates=UNSET, time_zone=UNSET, capacity=UNSET) -> ReleaseSlotWindow:
    """Change what is given. Bookings already made keep their slot: a booking whose slot no
    longer exists stays on record, and the window's capacity is checked at the next booking."""
    require(actor, Perm.MANAGE_RELEASES)
    with transaction.atomic():
        window = ReleaseSlotWindow.objects.select_for_update().get(pk=window.pk)
        before = snapshot(window)
        current = {"name": window.name, "capacity": window.capacity, "starts_at": window.starts_at,
                   "ends_at": window.ends_at, "rrule": window.rrule, "exdates": window.exdates,
                   "time_zone": window.time_zone}
        given = {k: v for k, v in {"name": name, "capacity": capacity, "starts_at": starts_at, "ends_at": ends_at,
                                   "rrule": rrule, "exdates": exdates, "time_zone": time_zone}.items()
                 if v is not UNSET}
        if "rrule" in given and not given["rrule"] and "exdates" not in given:
            current["exdates"] = []
        _apply(window, **{**current, **given})
        window.save()
        after = snapshot(window)
        if after != before:
            audit_record(actor=actor, action="releaseslotwindow.updated", instance=window, before=before, after=after)
    return window


def slot_window_delete(*, actor: Actor, window: ReleaseSlotWindow) -> None:
    """Remove a window and every booking in it (the audit trail names them)."""
    require(actor, Perm.MANAGE_RELEASES)
    booked = sorted(f"{b.release_id}@{b.slot_start.isoformat()}" for b in window.bookings.all())
    delete_entity(window, actor=actor, message=f"bookings removed with it: {', '.join(booked)}" if booked else "")


def slot_book(*, actor: Actor, window: ReleaseSlotWindow, release: Release, slot_start: datetime) -> SlotBooking:
    """Book `release` into the slot of `window` starting at `slot_start`. The window's row is
    locked, so concurrent bookings never exceed its capacity."""
    require(actor, Perm.BOOK_ENVIRONMENTS)
    if slot_start.tzinfo is None or slot_start.utcoffset() is None:
        raise InvalidInput.field("slot_start", "Give the slot's start with its UTC offset.")
    if release.is_closed:
        raise Conflict(f"{release} is {release.get_status_display().lower()}.",
                       conflicts_with=[f"release:{release.pk}"])
    with transaction.atomic():
        window = ReleaseSlotWindow.objects.select_for_update().get(pk=window.pk)
        slot = next((p for p in window.recurrence.overlapping(slot_start, slot_start + timedelta(microseconds=1))
                     if p[0] == slot_start), None)
        if slot is None:
            raise InvalidInput.field("slot_start", f"{moment_text(slot_start)} is not the start of a slot of "
                                                   f"'{window.name}'.")
        if slot[1] <= timezone.now():
            raise InvalidInput.field("slot_start", "That slot is over.")
        taken = list(SlotBooking.objects.filter(window=window, slot_start=slot[0]).select_related("release"))
        if any(b.release_id == release.pk for b in taken):
            raise Conflict(f"{release} is already booked into this slot.", fields={"slot_start": ["already booked"]},
                           conflicts_with=[f"release:{release.pk}"])
        if len(taken) >= window.capacity:
            raise Conflict(f"The slot is full: {', '.join(str(b.release) for b in taken)}.",
                           fields={"slot_start": ["full"]}, conflicts_with=[f"release:{b.release_id}" for b in taken])
        try:
            with transaction.atomic():
                booking = SlotBooking.objects.create(window=window, release=release, slot_start=slot[0],
                                                     slot_end=slot[1], booked_by=actor.user,
                                                     booked_by_label=actor.label[:254])
        except IntegrityError as exc:  # only without the window's lock
            raise Conflict(f"{release} is already booked into this slot.",
                           conflicts_with=[f"release:{release.pk}"]) from exc
        audit_record(actor=actor, action="slotbooking.created", instance=booking, after=snapshot(booking),
                     object_repr=f"{release} in {window.name}")
    return booking


def slot_booking_cancel(*, actor: Actor, booking: SlotBooking) -> None:
    require(actor, Perm.BOOK_ENVIRONMENTS)
    delete_entity(booking, actor=actor)


def release_settings_update(*, actor: Actor, require_release_slots: bool = UNSET) -> ReleaseSettings:
    require(actor, Perm.MANAGE_ORGANIZATION)
    with transaction.atomic():
        settings, _ = ReleaseSettings.objects.select_for_update().get_or_create()
        before = snapshot(settings)
        if require_release_slots is not UNSET:
            settings.require_release_slots = bool(require_release_slots)
        if snapshot(settings) != before:
            settings.updated_at = timezone.now()
            settings.save()
            audit_record(actor=actor, action="releasesettings.updated", instance=settings, before=before,
                         after=snapshot(settings))
    return settings
