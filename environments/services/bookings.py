"""Booking an environment: request (single, recurring or a whole group), approve, reject,
cancel, extend, shorten and release early.

Capacity is guarded twice. Every write that could make approved bookings overlap first locks the
environment row (`SELECT ... FOR UPDATE`), then counts the overlap and inserts in the same
transaction, so concurrent requests take turns. Behind that, for capacity-1 environments,
PostgreSQL's exclusion constraint refuses overlapping approved rows whatever the code does.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from environments.models import Booking, BookingKind, BookingSeries, Environment, EnvironmentGroup, Lease, make_period
from environments.periods import Period, check_period, expand, require_aware
from environments.selectors import booking_conflict, can_approve, is_environment_manager
from environments.services._common import (
    approvers_of,
    decision_refusal,
    is_team_member,
    lock_environments,
    made_by,
    notify,
    org_path,
    require,
)
from environments.signals import bookings_changed_send
from vsm.audit.services import audit_record, snapshot
from vsm.catalog.models import Team, TeamMember
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.moments import moment_text
from vsm.notifications.models import NotificationKind
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm


def _resolve_team(actor: Actor, team: Team | None) -> Team | None:
    if team is not None:
        if actor.user is not None and not actor.has(Perm.MANAGE_ENVIRONMENTS) and not is_team_member(
                actor.user, team.pk):
            raise InvalidInput.field("team", f"You are not a member of {team.name}.")
        return team
    if actor.user is None:
        return None
    teams = list(TeamMember.objects.filter(user=actor.user).select_related("team")[:2])
    return teams[0].team if len(teams) == 1 else None


def _insert(bookings: list[Booking], *, environments: list[Environment], periods: list[Period]) -> list[Booking]:
    try:
        with transaction.atomic():
            return Booking.objects.bulk_create(bookings)
    except IntegrityError as exc:
        # Only reachable if a writer skipped the lock: the exclusion constraint caught it.
        conflict = booking_conflict(environments=environments, periods=periods)
        raise (conflict or Conflict("The environment was booked at the same moment; try again.")) from exc


def booking_request(*, actor: Actor, start: datetime, end: datetime, purpose: str,
                    environment: Environment | None = None, group: EnvironmentGroup | None = None,
                    kind: str = BookingKind.CODE, team: Team | None = None, release_ref: str = "",
                    rrule: str | None = None, time_zone: str | None = None) -> list[Booking]:
    """Book one environment, or every member of a group, for [start, end) or for each occurrence
    of `rrule`. All or nothing: any conflict refuses the whole request with a BookingConflict
    (409) naming what it collides with. Each booking is approved at once, or waits for approval
    where its environment requires it."""
    require(actor, Perm.BOOK_ENVIRONMENTS)
    if (environment is None) == (group is None):
        raise InvalidInput.field("environment", "Book either one environment or one group.")
    targets = [environment] if environment is not None else list(group.environments.order_by("pk"))
    if not targets:
        raise InvalidInput.field("group", f"The group {group.name} has no environments.")
    for env in targets:
        if not env.is_bookable:
            raise InvalidInput.field("environment", f"{env.name} is not bookable.")
        check_period(start, end, max_hours=env.max_booking_hours, label=env.name)
    if not (purpose or "").strip():
        raise InvalidInput.field("purpose", "Say what the booking is for.")
    if kind not in BookingKind.values:
        raise InvalidInput.field("kind", f"Choose one of {', '.join(BookingKind.values)}.")
    team = _resolve_team(actor, team)
    zone = zoneinfo.ZoneInfo(time_zone) if time_zone else timezone.get_current_timezone()
    periods = expand(start, end, rrule, zone)
    if periods[0][1] <= timezone.now():
        raise InvalidInput.field("start", "The first occurrence would be over already.")

    with transaction.atomic():
        targets = lock_environments(targets)
        conflict = booking_conflict(environments=targets, periods=periods)
        if conflict is not None:
            raise conflict
        series = BookingSeries.objects.create(rrule=rrule.strip()) if rrule and rrule.strip() else None
        bookings = _insert([
            Booking(organization_id=env.organization_id, environment=env, requested_by=actor.user,
                    requested_by_token=actor.token, requester_label=actor.label[:254], team=team,
                    purpose=purpose.strip()[:500], kind=kind,
                    release_ref=release_ref.strip()[:120], period=make_period(*period),
                    status=Booking.Status.REQUESTED if env.requires_approval else Booking.Status.APPROVED,
                    exclusive=env.capacity == 1, series=series, via_group=group)
            for env in targets for period in periods
        ], environments=targets, periods=periods)
        for booking in bookings:
            audit_record(actor=actor, action="booking.requested", instance=booking, after=snapshot(booking))
        _ask_approvers(actor, [b for b in bookings if b.status == Booking.Status.REQUESTED])
        bookings_changed_send(env.pk for env in targets)
    return bookings


def _ask_approvers(actor: Actor, waiting: list[Booking]) -> None:
    by_env: dict[int, list[Booking]] = defaultdict(list)
    for booking in waiting:
        by_env[booking.environment_id].append(booking)
    for items in by_env.values():
        env, first = items[0].environment, items[0]
        count = f" ({len(items)} occurrences)" if len(items) > 1 else ""
        notify(actor=actor, recipients=[u for u in approvers_of(env) if u != actor.user],
               kind=NotificationKind.APPROVAL_NEEDED, title=f"Booking of {env.name} awaits your approval",
               body=f"{first.requester_label} asks for {env.name} from {{start}}{count}: {first.purpose}",
               moments={"start": first.start},
               url=org_path("environments:approvals"))


def _locked(booking: Booking) -> tuple[Environment, Booking]:
    (env,) = lock_environments([booking.environment])
    locked = Booking.objects.select_for_update(of=("self",)).select_related("team").get(pk=booking.pk)
    locked.environment = env
    return env, locked


def _decide(*, actor: Actor, booking: Booking, approve: bool, note: str) -> Booking:
    with transaction.atomic():
        env, booking = _locked(booking)
        if not can_approve(actor=actor, environment=env):
            raise PermissionRefused("Only the environment's managers and approvers decide its bookings.")
        refusal = decision_refusal(actor=actor, request=booking, what="booking request")
        if refusal is not None:
            raise refusal
        if booking.status != Booking.Status.REQUESTED:
            raise Conflict(f"This booking is already {booking.get_status_display().lower()}.",
                           fields={"status": [booking.status]})
        before = snapshot(booking)
        if approve:
            conflict = booking_conflict(environments=[env], periods=[(booking.start, booking.end)],
                                        exclude_ids=[booking.pk])
            if conflict is not None:
                raise conflict
        booking.status = Booking.Status.APPROVED if approve else Booking.Status.REJECTED
        booking.exclusive = env.capacity == 1
        booking.decided_by, booking.decided_by_token = actor.user, actor.token
        booking.decided_at, booking.decision_note = timezone.now(), note.strip()[:500]
        _save_period_change(booking, env)
        audit_record(actor=actor, action="booking.approved" if approve else "booking.rejected", instance=booking,
                     before=before, after=snapshot(booking), message=booking.decision_note)
        verdict = "approved" if approve else "rejected"
        notify(actor=actor, recipients=[booking.requested_by], kind=NotificationKind.DECISION_MADE,
               title=f"Your booking of {env.name} was {verdict}",
               body=f"{actor.label} {verdict} your booking from {{start}}"
                    + (f": {booking.decision_note}" if booking.decision_note else "."),
               moments={"start": booking.start},
               url=org_path("environments:my_bookings"))
        bookings_changed_send([env.pk])
    return booking


def _save_period_change(booking: Booking, env: Environment) -> None:
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as exc:
        conflict = booking_conflict(environments=[env], periods=[(booking.start, booking.end)],
                                    exclude_ids=[booking.pk])
        raise (conflict or Conflict("The environment changed at the same moment; try again.")) from exc


def booking_approve(*, actor: Actor, booking: Booking, note: str = "") -> Booking:
    """Approve a waiting booking; its period is checked again under the lock (409 if taken since)."""
    return _decide(actor=actor, booking=booking, approve=True, note=note)


def booking_reject(*, actor: Actor, booking: Booking, note: str = "") -> Booking:
    return _decide(actor=actor, booking=booking, approve=False, note=note)


def _require_holder(actor: Actor, booking: Booking) -> None:
    """The requester, their team, the environment's managers; a token only for what it booked."""
    if actor.user is not None:
        allowed = (made_by(actor, booking) or is_team_member(actor.user, booking.team_id)
                   or is_environment_manager(actor=actor, environment=booking.environment))
    else:
        allowed = actor.has(Perm.MANAGE_ENVIRONMENTS) or made_by(actor, booking)
    if not allowed:
        raise PermissionRefused("Only the requester, their team or the environment's managers may change it.")


def _end_leases(booking: Booking, at: datetime) -> None:
    Lease.objects.filter(booking=booking, released_at__isnull=True, expires_at__gt=at).update(released_at=at)


def booking_cancel(*, actor: Actor, booking: Booking, note: str = "") -> Booking:
    require(actor, Perm.BOOK_ENVIRONMENTS)
    with transaction.atomic():
        env, booking = _locked(booking)
        _require_holder(actor, booking)
        now = timezone.now()
        if not booking.is_active or booking.end <= now:
            raise Conflict(f"This booking is {booking.get_status_display().lower()} or over; nothing to cancel.",
                           fields={"status": [booking.status]})
        before = snapshot(booking)
        booking.status = Booking.Status.CANCELLED
        booking.decision_note = note.strip()[:500] or booking.decision_note
        booking.save(update_fields=["status", "decision_note"])
        _end_leases(booking, now)
        audit_record(actor=actor, action="booking.cancelled", instance=booking, before=before,
                     after=snapshot(booking), message=note[:500])
        bookings_changed_send([env.pk])
    return booking


def booking_extend(*, actor: Actor, booking: Booking, end: datetime) -> Booking:
    """Move the end later, if the added time is free (409 with the next free slot otherwise)."""
    require(actor, Perm.BOOK_ENVIRONMENTS)
    require_aware("end", end)
    with transaction.atomic():
        env, booking = _locked(booking)
        _require_holder(actor, booking)
        if not booking.is_active or booking.end <= timezone.now():
            raise Conflict("Only a current or upcoming booking can be extended.", fields={"status": [booking.status]})
        if end <= booking.end:
            raise InvalidInput.field("end", f"The new end must be after the current end ({moment_text(booking.end)}).")
        check_period(booking.start, end, max_hours=env.max_booking_hours, label=env.name)
        if booking.status == Booking.Status.APPROVED:
            conflict = booking_conflict(environments=[env], periods=[(booking.end, end)], exclude_ids=[booking.pk])
            if conflict is not None:
                raise conflict
        before = snapshot(booking)
        booking.period = make_period(booking.start, end)
        _save_period_change(booking, env)
        audit_record(actor=actor, action="booking.extended", instance=booking, before=before,
                     after=snapshot(booking))
        bookings_changed_send([env.pk])
    return booking


def booking_shorten(*, actor: Actor, booking: Booking, end: datetime) -> Booking:
    """Move the end earlier; the time after it is free again. The new end stays after the start
    and in the future (to stop now, release the booking; to give it all back, cancel it). Leases
    under the booking end with it."""
    require(actor, Perm.BOOK_ENVIRONMENTS)
    require_aware("end", end)
    with transaction.atomic():
        env, booking = _locked(booking)
        _require_holder(actor, booking)
        now = timezone.now()
        if not booking.is_active or booking.end <= now:
            raise Conflict("Only a current or upcoming booking can be shortened.", fields={"status": [booking.status]})
        if end >= booking.end:
            raise InvalidInput.field("end", f"The new end must be before the current end ({booking.end.isoformat()}).")
        if end <= booking.start:
            raise InvalidInput.field("end", f"The new end must be after the start ({booking.start.isoformat()}); "
                                            "cancel the booking to give all of it back.")
        if end <= now:
            raise InvalidInput.field("end", "The new end has passed; release the booking to end it now.")
        before = snapshot(booking)
        booking.period = make_period(booking.start, end)
        booking.save(update_fields=["period"])
        Lease.objects.filter(booking=booking, released_at__isnull=True, expires_at__gt=end).update(expires_at=end)
        audit_record(actor=actor, action="booking.shortened", instance=booking, before=before,
                     after=snapshot(booking))
    return booking


def booking_release(*, actor: Actor, booking: Booking) -> Booking:
    """Give the environment back before the booking ends: the period ends now."""
    require(actor, Perm.BOOK_ENVIRONMENTS)
    with transaction.atomic():
        env, booking = _locked(booking)
        _require_holder(actor, booking)
        now = timezone.now()
        if booking.status != Booking.Status.APPROVED or booking.end <= now:
            raise Conflict("Only an approved booking that has not ended can be released.",
                           fields={"status": [booking.status]})
        if booking.start > now:
            raise Conflict("This booking has not started yet; cancel it instead.", fields={"status": ["upcoming"]})
        before = snapshot(booking)
        booking.status = Booking.Status.RELEASED
        booking.period = make_period(booking.start, max(now, booking.start + timedelta(microseconds=1)))
        booking.save(update_fields=["status", "period"])
        _end_leases(booking, now)
        audit_record(actor=actor, action="booking.released", instance=booking, before=before,
                     after=snapshot(booking))
        bookings_changed_send([env.pk])
    return booking
