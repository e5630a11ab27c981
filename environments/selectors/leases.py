"""Whether a CI job may hold an environment now (`lease_check`): read-only, so the release
issue's "may I deploy?" endpoint can ask the same question without taking a lease."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from environments.models import Booking, Environment, Lease, Outage
from environments.selectors.bookings import (
    APPROVED,
    _held_by,
    approved_overlapping,
    booking_covering,
    outages_overlapping,
)
from environments.selectors.inventory import team_ids_of
from vsm.accounts.models import User
from vsm.catalog.models import Service
from vsm.moments import moment_text
from vsm.tenancy.actor import Actor


@dataclass
class LeaseDecision:
    """Whether a CI job may hold the environment now, and if not, every reason why."""

    allowed: bool
    booking: Booking | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)

    @property
    def retry_after(self) -> datetime | None:
        """When every reason that passes with time will have passed; None if waiting does not help."""
        untils = [r["until"] for r in self.reasons if r.get("until") is not None]
        return max(untils) if untils and len(untils) == len(self.reasons) else None


def active_leases(*, environment: Environment, at: datetime) -> QuerySet[Lease]:
    return Lease.objects.filter(environment=environment, released_at__isnull=True, expires_at__gt=at)


def outage_at(*, environment: Environment, at: datetime) -> Outage | None:
    return outages_overlapping(environment_ids=[environment.pk], start=at, end=at + timedelta(microseconds=1)).first()


def availability_reasons(environment: Environment, outage: Outage | None) -> list[dict[str, Any]]:
    """Why `environment` takes no deployment now: the outage in force (`outage_at`), else its status."""
    reasons: list[dict[str, Any]] = []
    if outage is not None:
        code = "environment_down" if outage.kind == Outage.Kind.OUTAGE else "environment_maintenance"
        reasons.append({"code": code, "message": f"{outage.get_kind_display()}: {outage.reason}",
                        "until": outage.end, "outage": outage.pk})
    elif environment.status != Environment.Status.AVAILABLE:
        code = "environment_down" if environment.status == Environment.Status.DOWN else "environment_maintenance"
        reasons.append({"code": code, "until": None,
                        "message": f"{environment.name} is {environment.get_status_display().lower()}"
                                   + (f": {environment.status_reason}" if environment.status_reason else ".")})
    return reasons


def _taken_reason(environment: Environment, other: Booking) -> dict[str, Any]:
    holder = other.team.name if other.team_id else other.requester_label
    return {"code": "booked_by_other_team", "team": other.team.slug if other.team_id else None,
            "booking": other.pk, "until": other.end,
            "message": f"{environment.name} is booked by {holder} until {moment_text(other.end)}."}


def _booking_reasons(environment: Environment, at: datetime, booking_id: int | None, team_ids: set[int],
                     user: User | None) -> list[dict[str, Any]]:
    """Why the caller holds no booking in force at `at`, and until when, if waiting helps."""
    if booking_id is None and not team_ids and user is None:
        return [{"code": "no_booking", "until": None,
                 "message": "A CI token must name the booking, or the service it deploys."}]
    if booking_id is not None:
        named = Booking.objects.filter(pk=booking_id, environment=environment).select_related("team").first()
        if named is None or named.status != APPROVED or named.end <= at:
            return [{"code": "no_booking", "booking": booking_id, "until": None,
                     "message": f"Booking {booking_id} is not a current, approved booking of {environment.name}."}]
        if named.start > at:
            return [{"code": "no_booking", "booking": booking_id, "until": named.start,
                     "message": f"Booking {booking_id} starts at {moment_text(named.start)}."}]
        return [_taken_reason(environment, named)]
    other = approved_overlapping(environment_ids=[environment.pk], start=at, end=at + timedelta(microseconds=1)
                                 ).first()
    if other is not None:
        return [_taken_reason(environment, other)]
    upcoming = Booking.objects.filter(environment=environment, status=APPROVED, period__startswith__gt=at)
    mine = upcoming.filter(_held_by(team_ids, user)).order_by("period").first() if (team_ids or user) else None
    return [{"code": "no_booking", "until": mine.start if mine else None,
             "message": f"No approved booking of yours covers {environment.name} now"
                        + (f"; yours starts at {moment_text(mine.start)}." if mine else "; book it first.")}]


def _leased_reasons(environment: Environment, at: datetime, exclude_lease: Lease | None) -> list[dict[str, Any]]:
    held = active_leases(environment=environment, at=at)
    if exclude_lease is not None:
        held = held.exclude(pk=exclude_lease.pk)
    held = list(held.order_by("expires_at")[: environment.capacity])
    if len(held) < environment.capacity:
        return []
    return [{"code": "environment_leased", "until": held[0].expires_at,
             "message": f"{environment.name} is leased by {held[0].holder_label} until "
                        f"{moment_text(held[0].expires_at)}."}]


def lease_check(*, environment: Environment, actor: Actor, booking_id: int | None = None,
                service: Service | None = None, at: datetime | None = None,
                exclude_lease: Lease | None = None, leases: bool = True) -> LeaseDecision:
    """May the caller hold `environment` at `at`? A person holds it through their own or their
    teams' booking; a CI token through the booking it names or the booking of the team owning
    the service it deploys. Environments that need no booking only check outages and leases.
    `leases=False` leaves out the leases others hold (a deployment check asks only about
    bookings and availability)."""
    at = at or timezone.now()
    team_ids = {service.team_id} if service is not None and service.team_id else set()
    user = actor.user
    if user is not None:
        team_ids |= team_ids_of(user=user)
    held = None
    reasons = availability_reasons(environment, outage_at(environment=environment, at=at))
    if environment.needs_booking:
        held = booking_covering(environment=environment, at=at, booking_id=booking_id, team_ids=team_ids, user=user)
        if held is None:
            reasons += _booking_reasons(environment, at, booking_id, team_ids, user)
    if leases:
        reasons += _leased_reasons(environment, at, exclude_lease)
    return LeaseDecision(allowed=not reasons, booking=held, reasons=reasons)


def lease_list(*, environment: Environment | None = None, active_only: bool = False) -> QuerySet[Lease]:
    qs = Lease.objects.select_related("environment", "team", "booking").order_by("-acquired_at")
    if environment is not None:
        qs = qs.filter(environment=environment)
    if active_only:
        qs = qs.filter(released_at__isnull=True, expires_at__gt=timezone.now())
    return qs
