"""Reads of bookings and outages, and the decisions that only read: whether a period is free,
what it collides with (`booking_conflict`), where the next free slot is, which booking covers a
moment, and what the environments list shows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from environments.availability import SEARCH_HORIZON, Interval, first_free_slot, fits, overlaps, peak_overlap
from environments.errors import BookingConflict
from environments.models import Booking, Environment, Outage
from environments.periods import Period
from environments.selectors.inventory import team_ids_of
from vsm.accounts.models import User
from vsm.moments import moment_text

APPROVED = Booking.Status.APPROVED


def booking_list() -> QuerySet[Booking]:
    """In period order; filtered by environments.filters.BookingFilter."""
    return Booking.objects.select_related(
        "environment", "team", "requested_by", "decided_by", "decided_by_token").order_by("period", "id")


def of_user(*, user: User) -> Q:
    """A person's own bookings and their teams'."""
    return Q(requested_by=user) | Q(team_id__in=team_ids_of(user=user))


def approved_overlapping(*, environment_ids: list[int], start: datetime, end: datetime,
                         exclude_ids: list[int] | None = None) -> QuerySet[Booking]:
    qs = Booking.objects.filter(environment_id__in=environment_ids, status=APPROVED,
                                period__overlap=(start, end)).select_related("team", "environment")
    if exclude_ids:
        qs = qs.exclude(pk__in=exclude_ids)
    return qs.order_by("period")


def outages_overlapping(*, environment_ids: list[int], start: datetime, end: datetime) -> QuerySet[Outage]:
    return Outage.objects.filter(environment_id__in=environment_ids, period__overlap=(start, end)).order_by("period")


def _intervals(rows) -> list[Interval]:
    return [(row.period.lower, row.period.upper) for row in rows]


def next_free_slot(*, environments: list[Environment], start: datetime, length: timedelta,
                   exclude_ids: list[int] | None = None) -> datetime | None:
    """The first start at or after `start` where a booking of `length` fits on every one of the
    environments (one for a plain booking, the members for a group booking)."""
    window_end = start + SEARCH_HORIZON + length
    ids = [env.pk for env in environments]
    bookings: dict[int, list[Interval]] = defaultdict(list)
    blocks: dict[int, list[Interval]] = defaultdict(list)
    for row in approved_overlapping(environment_ids=ids, start=start, end=window_end, exclude_ids=exclude_ids):
        bookings[row.environment_id].append((row.start, row.end))
    for row in outages_overlapping(environment_ids=ids, start=start, end=window_end):
        blocks[row.environment_id].append((row.start, row.end))
    candidate = start
    # Each environment's first fit moves the candidate later; stop once all agree on one start.
    while candidate is not None and candidate < start + SEARCH_HORIZON:
        fits_all = True
        for env in environments:
            found = first_free_slot(bookings=bookings[env.pk], blocks=blocks[env.pk], capacity=env.capacity,
                                    start=candidate, length=length, horizon=start + SEARCH_HORIZON - candidate)
            if found is None:
                return None
            if found != candidate:
                candidate, fits_all = found, False
                break
        if fits_all:
            return candidate
    return None


def equivalent_free_environment(*, environment: Environment, start: datetime, end: datetime,
                                exclude_ids: list[int] | None = None) -> Environment | None:
    """Another bookable, available environment of the same tier and group, free for [start, end)."""
    candidates = list(
        Environment.objects.filter(tier=environment.tier, group_id=environment.group_id, is_bookable=True,
                                   status=Environment.Status.AVAILABLE)
        .exclude(pk=environment.pk).exclude(pk__in=exclude_ids or []).order_by("name"))
    if not candidates:
        return None
    ids = [c.pk for c in candidates]
    bookings: dict[int, list[Interval]] = defaultdict(list)
    blocks: dict[int, list[Interval]] = defaultdict(list)
    for row in approved_overlapping(environment_ids=ids, start=start, end=end):
        bookings[row.environment_id].append((row.start, row.end))
    for row in outages_overlapping(environment_ids=ids, start=start, end=end):
        blocks[row.environment_id].append((row.start, row.end))
    for candidate in candidates:
        if fits(bookings=bookings[candidate.pk], blocks=blocks[candidate.pk], capacity=candidate.capacity,
                start=start, end=end):
            return candidate
    return None


def booking_covering(*, environment: Environment, at: datetime, booking_id: int | None = None,
                     team_ids: set[int] | None = None, user: User | None = None) -> Booking | None:
    """The approved booking on `environment` in force at `at` that the caller holds: one of the
    given teams' or one the user requested, narrowed to `booking_id` when given. With neither
    teams nor a user (a CI token naming only a booking), the booking id alone identifies it."""
    qs = Booking.objects.filter(environment=environment, status=APPROVED, period__contains=at).select_related("team")
    if booking_id is not None:
        qs = qs.filter(pk=booking_id)
    if team_ids or user is not None:
        qs = qs.filter(_held_by(team_ids, user))
    elif booking_id is None:
        return None
    return qs.order_by("period").first()


def _held_by(team_ids: set[int] | None, user: User | None) -> Q:
    holder = Q(pk__in=[])
    if team_ids:
        holder |= Q(team_id__in=team_ids)
    if user is not None:
        holder |= Q(requested_by=user)
    return holder


# --- conflicts ------------------------------------------------------------------------------

def booking_brief(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.pk, "environment": booking.environment.slug, "status": booking.status,
        "team": booking.team.slug if booking.team_id else None, "requester": booking.requester_label,
        "start": booking.start, "end": booking.end, "purpose": booking.purpose,
    }


def outage_brief(outage: Outage) -> dict[str, Any]:
    return {"id": outage.pk, "kind": outage.kind, "reason": outage.reason, "start": outage.start, "end": outage.end}


@dataclass
class Collision:
    environment: Environment
    start: datetime
    end: datetime
    bookings: list[Booking] = field(default_factory=list)
    outages: list[Outage] = field(default_factory=list)


def collisions(*, environments: list[Environment], periods: list[Period], exclude_ids: list[int] | None = None
               ) -> list[Collision]:
    """Each (environment, period) where one more booking would exceed the environment's capacity
    or overlap an outage. Two queries whatever the number of environments and periods."""
    lower, upper = min(p[0] for p in periods), max(p[1] for p in periods)
    ids = [env.pk for env in environments]
    bookings: dict[int, list[Booking]] = defaultdict(list)
    outages: dict[int, list[Outage]] = defaultdict(list)
    for row in approved_overlapping(environment_ids=ids, start=lower, end=upper, exclude_ids=exclude_ids):
        bookings[row.environment_id].append(row)
    for row in outages_overlapping(environment_ids=ids, start=lower, end=upper):
        outages[row.environment_id].append(row)
    found = [_collision(env, start, end, bookings[env.pk], outages[env.pk]) for env in environments
             for start, end in periods]
    return [c for c in found if c is not None]


def _collision(env: Environment, start: datetime, end: datetime, bookings: list[Booking], outages: list[Outage]
               ) -> Collision | None:
    """Whether one more booking of `env` for [start, end) exceeds its capacity, given its approved
    `bookings`, or overlaps one of its `outages`."""
    hits = [b for b in bookings if overlaps((b.start, b.end), (start, end))]
    full = peak_overlap([(b.start, b.end) for b in hits], start, end) >= env.capacity
    blocked = [o for o in outages if overlaps((o.start, o.end), (start, end))]
    return Collision(env, start, end, hits if full else [], blocked) if full or blocked else None


@dataclass
class RequestClash:
    """What approving a waiting booking would collide with: approved bookings filling the
    environment, outages, and other waiting requests for the same time (approving one of them
    may refuse the other)."""

    bookings: list[Booking] = field(default_factory=list)
    outages: list[Outage] = field(default_factory=list)
    rivals: list[Booking] = field(default_factory=list)


def request_clashes(*, waiting: list[Booking]) -> dict[int, RequestClash]:
    """For each waiting booking that collides with something, what (see RequestClash), by id. Two
    queries whatever the number of requests; rivals are found among `waiting`."""
    if not waiting:
        return {}
    lower, upper = min(b.start for b in waiting), max(b.end for b in waiting)
    ids = sorted({b.environment_id for b in waiting})
    approved: dict[int, list[Booking]] = defaultdict(list)
    outages: dict[int, list[Outage]] = defaultdict(list)
    for row in approved_overlapping(environment_ids=ids, start=lower, end=upper):
        approved[row.environment_id].append(row)
    for row in outages_overlapping(environment_ids=ids, start=lower, end=upper):
        outages[row.environment_id].append(row)
    found = {}
    for booking in waiting:
        hit = _collision(booking.environment, booking.start, booking.end, approved[booking.environment_id],
                         outages[booking.environment_id])
        rivals = [b for b in waiting if b.pk != booking.pk and b.environment_id == booking.environment_id
                  and overlaps((b.start, b.end), (booking.start, booking.end))]
        if hit is not None or rivals:
            found[booking.pk] = RequestClash(hit.bookings if hit else [], hit.outages if hit else [], rivals)
    return found


def booking_conflict(*, environments: list[Environment], periods: list[Period],
                     exclude_ids: list[int] | None = None) -> BookingConflict | None:
    """Whether booking `environments` for `periods` would collide; if so, the refusal to give,
    naming what it collides with and offering a free slot and an equivalent environment."""
    found = collisions(environments=environments, periods=periods, exclude_ids=exclude_ids)
    if not found:
        return None
    first = found[0]
    length = first.end - first.start
    bookings = {b.pk: b for c in found for b in c.bookings}
    outages = {o.pk: o for c in found for o in c.outages}
    free_at = next_free_slot(environments=environments, start=first.start, length=length, exclude_ids=exclude_ids)
    alternative = None
    if len(environments) == 1:
        alternative = equivalent_free_environment(environment=first.environment, start=first.start, end=first.end)
    if bookings:
        taken = next(iter(bookings.values()))
        holder = taken.team.name if taken.team_id else taken.requester_label
        message = (f"{first.environment.name} is already booked by {holder} "
                   f"from {moment_text(taken.start)} to {moment_text(taken.end)}")
    else:
        outage = next(iter(outages.values()))
        message = f"{first.environment.name} has {outage.get_kind_display().lower()} then: {outage.reason}"
    if len(found) > 1:
        message += f" ({len(found)} conflicting occurrences)"
    return BookingConflict(
        message + ".",
        conflicts=[booking_brief(b) for b in bookings.values()],
        outages=[outage_brief(o) for o in outages.values()],
        occurrences=[{"environment": c.environment.slug, "start": c.start, "end": c.end} for c in found],
        next_free_slot={"start": free_at, "end": free_at + length} if free_at else None,
        alternative_environment={"slug": alternative.slug, "name": alternative.name} if alternative else None,
    )


# --- what the environments list shows ------------------------------------------------------

@dataclass
class Availability:
    holders: list[Booking] = field(default_factory=list)
    outage: Outage | None = None
    free_from: datetime | None = None

    @property
    def is_free_now(self) -> bool:
        return self.free_from is not None and self.free_from <= timezone.now()


def environment_availability(*, environments: list[Environment], now: datetime | None = None,
                             slot: timedelta = timedelta(hours=1)) -> dict[int, Availability]:
    """For each environment: who holds it now, the outage in force, and when a `slot` is next
    free. Two queries whatever the number of environments."""
    now = now or timezone.now()
    ids = [env.pk for env in environments]
    window_end = now + SEARCH_HORIZON + slot
    bookings: dict[int, list[Booking]] = defaultdict(list)
    outages: dict[int, list[Outage]] = defaultdict(list)
    for row in approved_overlapping(environment_ids=ids, start=now, end=window_end).select_related("requested_by"):
        bookings[row.environment_id].append(row)
    for row in outages_overlapping(environment_ids=ids, start=now, end=window_end):
        outages[row.environment_id].append(row)
    result = {}
    for env in environments:
        in_force = [b for b in bookings[env.pk] if b.start <= now]
        outage = next((o for o in outages[env.pk] if o.start <= now), None)
        free_from = first_free_slot(bookings=_intervals(bookings[env.pk]), blocks=_intervals(outages[env.pk]),
                                    capacity=env.capacity, start=now, length=slot)
        result[env.pk] = Availability(holders=in_force, outage=outage, free_from=free_from)
    return result


def environment_bookings(*, environment: Environment, now: datetime | None = None, limit: int = 25
                         ) -> tuple[list[Booking], list[Booking]]:
    """An environment's current and upcoming bookings (soonest first), and its history (latest first)."""
    now = now or timezone.now()
    qs = booking_list().filter(environment=environment)
    upcoming = list(qs.filter(period__endswith__gt=now).exclude(status__in=[Booking.Status.CANCELLED,
                                                                            Booking.Status.REJECTED])[:limit])
    history = list(qs.filter(Q(period__endswith__lte=now) | Q(status__in=[Booking.Status.CANCELLED,
                                                                         Booking.Status.REJECTED]))
                   .order_by("-period", "-id")[:limit])
    return upcoming, history


def calendar_entries(*, environments: list[Environment], start: datetime, end: datetime
                     ) -> tuple[dict[int, list[Booking]], dict[int, list[Outage]]]:
    """Approved and waiting bookings, and outages, of the environments overlapping [start, end)."""
    ids = [env.pk for env in environments]
    bookings: dict[int, list[Booking]] = defaultdict(list)
    outages: dict[int, list[Outage]] = defaultdict(list)
    for row in booking_list().filter(environment_id__in=ids, period__overlap=(start, end),
                                     status__in=[Booking.Status.APPROVED, Booking.Status.REQUESTED]):
        bookings[row.environment_id].append(row)
    for row in outages_overlapping(environment_ids=ids, start=start, end=end):
        outages[row.environment_id].append(row)
    return bookings, outages


def my_bookings(*, user: User, now: datetime | None = None) -> tuple[QuerySet[Booking], QuerySet[Booking]]:
    """A person's and their teams' bookings: those still to come or in force (soonest first),
    and the rest: over, cancelled or refused (latest first)."""
    now = now or timezone.now()
    mine = booking_list().filter(of_user(user=user))
    live = Q(period__endswith__gt=now, status__in=[Booking.Status.APPROVED, Booking.Status.REQUESTED])
    return mine.filter(live), mine.exclude(live).order_by("-period", "-id")
