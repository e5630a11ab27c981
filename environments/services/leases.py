"""Leases: the short hold a CI job takes on an environment while it deploys.

A lease is granted when `lease_check` allows it (the caller's approved booking covers now, or the
environment needs no booking; no outage; fewer active leases than the capacity). Its secret is
returned once and stored as a SHA-256. It lasts `ttl` (default 15 minutes, never past the end of
the booking it rests on) unless renewed, so a job that dies frees the environment by itself:
validity is computed from `expires_at`, no sweeper is needed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from environments.errors import LeaseDenied
from environments.models import Environment, Lease
from environments.selectors import LeaseDecision, lease_check
from environments.services._common import lock_environments, require
from vsm.audit.services import audit_record, snapshot
from vsm.catalog.models import Service
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm

LEASE_PREFIX = "sll_"
DEFAULT_TTL = timedelta(minutes=15)


def max_ttl() -> timedelta:
    return timedelta(seconds=settings.ENVIRONMENT_LEASE_MAX_SECONDS)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _ttl(seconds: int | None) -> timedelta:
    if seconds is None:
        return DEFAULT_TTL
    if seconds < 30 or seconds > max_ttl().total_seconds():
        raise InvalidInput.field("ttl_seconds", f"Between 30 and {int(max_ttl().total_seconds())} seconds.")
    return timedelta(seconds=seconds)


def _denied(environment: Environment, decision: LeaseDecision) -> LeaseDenied:
    retry_after = decision.retry_after
    return LeaseDenied(
        f"No lease on {environment.name}: " + " ".join(r["message"] for r in decision.reasons),
        reasons=decision.reasons,
        retry_after=retry_after,
    )


def _expiry(now: datetime, ttl: timedelta, decision: LeaseDecision) -> datetime:
    expires = now + ttl
    return min(expires, decision.booking.end) if decision.booking is not None else expires


def lease_acquire(*, actor: Actor, environment: Environment, booking_id: int | None = None,
                  service_slug: str | None = None, version: str = "", ttl_seconds: int | None = None
                  ) -> tuple[Lease, str]:
    """Grant a lease, or raise LeaseDenied (409) carrying every reason and `retry_after`."""
    require(actor, Perm.BOOK_ENVIRONMENTS)
    ttl = _ttl(ttl_seconds)
    service = None
    if service_slug:
        service = Service.objects.filter(slug=service_slug).first()
        if service is None:
            raise InvalidInput.field("service", f"No service '{service_slug}' in the catalog.")
    with transaction.atomic():
        (environment,) = lock_environments([environment])
        now = timezone.now()
        decision = lease_check(environment=environment, actor=actor, booking_id=booking_id, service=service, at=now)
        if not decision.allowed:
            raise _denied(environment, decision)
        secret = LEASE_PREFIX + secrets.token_urlsafe(32)
        booking = decision.booking
        lease = Lease.objects.create(
            environment=environment, booking=booking,
            team_id=booking.team_id if booking is not None else (service.team_id if service else None),
            service_slug=service.slug if service else "", version=(version or "")[:120],
            holder_label=actor.label[:254], token_digest=_digest(secret), acquired_at=now,
            expires_at=_expiry(now, ttl, decision),
        )
        audit_record(actor=actor, action="lease.acquired", instance=lease, after=snapshot(lease))
    return lease, secret


def _verify(lease: Lease, secret: str) -> None:
    if not secret or not hmac.compare_digest(lease.token_digest, _digest(secret)):
        raise PermissionRefused("The lease token does not match this lease.")


def lease_renew(*, actor: Actor, lease: Lease, secret: str, ttl_seconds: int | None = None) -> Lease:
    """Push the expiry out again, if the lease is still valid and the environment may still be held."""
    require(actor, Perm.BOOK_ENVIRONMENTS)
    ttl = _ttl(ttl_seconds)
    with transaction.atomic():
        (environment,) = lock_environments([lease.environment])
        lease = Lease.objects.select_for_update().get(pk=lease.pk)
        _verify(lease, secret)
        now = timezone.now()
        if not lease.is_valid(now):
            raise Conflict("This lease has expired or was released; acquire a new one.",
                           fields={"lease": ["expired" if lease.released_at is None else "released"]})
        service = Service.objects.filter(slug=lease.service_slug).first() if lease.service_slug else None
        decision = lease_check(environment=environment, actor=actor, booking_id=lease.booking_id, service=service,
                               at=now, exclude_lease=lease)
        if not decision.allowed:
            raise _denied(environment, decision)
        before = snapshot(lease)
        lease.expires_at = _expiry(now, ttl, decision)
        lease.save(update_fields=["expires_at"])
        audit_record(actor=actor, action="lease.renewed", instance=lease, before=before, after=snapshot(lease))
    return lease


def lease_release(*, actor: Actor, lease: Lease, secret: str) -> Lease:
    """End the lease now (idempotent: releasing a released or expired lease changes nothing)."""
    require(actor, Perm.BOOK_ENVIRONMENTS)
    with transaction.atomic():
        lease = Lease.objects.select_for_update().get(pk=lease.pk)
        _verify(lease, secret)
        if not lease.is_valid():
            return lease
        before = snapshot(lease)
        lease.released_at = timezone.now()
        lease.save(update_fields=["released_at"])
        audit_record(actor=actor, action="lease.released", instance=lease, before=before, after=snapshot(lease))
    return lease
