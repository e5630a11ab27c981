"""What waits on one person, gathered from each app's own selectors (the rules of who may decide
what stay there): booking and deployment approvals (environments.selectors.approval_queue),
gate sign-offs they may give (gates.selectors.sign_offs_awaiting), provisioning requests for
environment managers, waivers about to expire, their bookings starting within a day, and the
releases they own that are at risk (releases.selectors.releases_at_risk). Newest risk first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from environments.models import ProvisioningRequest
from environments.selectors import approval_queue, my_bookings, provisioning_request_list
from gates.selectors import sign_offs_awaiting, waivers_expiring
from releases.selectors import releases_at_risk
from vsm.moments import moment_text, period_text
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm

WAIVER_WARNING = timedelta(days=2)
BOOKING_STARTING = timedelta(days=1)
# Kinds a person decides from My work (approve or reject), each through its own app's service.
DECIDABLE = ("booking", "deployment", "signoff", "provisioning")


@dataclass(frozen=True)
class Item:
    kind: str  # booking, deployment, signoff, provisioning, waiver, my_booking, release
    id: int
    label: str  # the kind in words
    title: str
    detail: str
    since: datetime  # when it started waiting, or the risk arose
    url: str
    reason: str = ""  # for releases at risk: late_phase, gate_failed, no_booking, freeze

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def decidable(self) -> bool:
        return self.kind in DECIDABLE


def _url(name: str, org_slug: str, **kwargs) -> str:
    return reverse(name, kwargs={"org_slug": org_slug, **kwargs})


def _approvals(actor: Actor, org_slug: str) -> list[Item]:
    bookings, deployments = approval_queue(actor=actor)
    queue = _url("environments:approvals", org_slug)
    items = [Item("booking", b.pk, "Booking approval", f"{b.environment.name} for {b.requester_label}",
                  f"{b.purpose} · {period_text(b.start, b.end)}", b.created_at, queue)
             for b in bookings]
    items += [Item("deployment", d.pk, "Deployment approval", f"{d.service_slug} {d.version} to {d.environment.name}",
                   f"asked by {d.requester_label}" + (f": {d.note}" if d.note else ""), d.requested_at, queue)
              for d in deployments]
    return items


def _sign_offs(actor: Actor, org_slug: str) -> list[Item]:
    return [Item("signoff", c.pk, "Gate sign-off", f"{c.title} · {c.gate.name}", c.summary,
                 c.gate.created_at, _url("gates:detail", org_slug, gate_id=c.gate_id))
            for c in sign_offs_awaiting(actor=actor)]


def _provisioning(actor: Actor, org_slug: str) -> list[Item]:
    if not actor.has(Perm.MANAGE_ENVIRONMENTS):
        return []
    waiting = provisioning_request_list().filter(
        status__in=[ProvisioningRequest.Status.REQUESTED, ProvisioningRequest.Status.PROVISIONING])
    return [Item("provisioning", r.pk, "Provisioning request", f"{r.get_tier_display()} environment for {r.team.name}",
                 f"{r.get_status_display()} · needed by {moment_text(r.needed_by, 'date')}: {r.purpose}",
                 r.requested_at, _url("environments:provisioning", org_slug)) for r in waiting]


def _reminders(actor: Actor, org_slug: str, now: datetime) -> list[Item]:
    user = actor.user
    items = [Item("waiver", w.pk, "Waiver expiring", f"{w.criterion.title} · {w.criterion.gate.name}",
                  f"ends {moment_text(w.expires_at)}: {w.reason}", w.expires_at - WAIVER_WARNING,
                  _url("gates:detail", org_slug, gate_id=w.criterion.gate_id))
             for w in waivers_expiring(user_id=user.pk, within=WAIVER_WARNING, now=now)]
    upcoming, _ = my_bookings(user=user, now=now)
    items += [Item("my_booking", b.pk, "Your booking starts soon", f"{b.environment.name}",
                   f"{b.get_status_display()} · from {moment_text(b.start)}: {b.purpose}",
                   b.start - BOOKING_STARTING, _url("environments:my_bookings", org_slug))
              for b in upcoming.filter(period__startswith__gte=now, period__startswith__lte=now + BOOKING_STARTING)]
    items += [Item("release", r.release.pk, "Release at risk", str(r.release), r.message, r.since,
                   _url("releases:detail", org_slug, release_id=r.release.pk), reason=r.reason)
              for r in releases_at_risk(owner_id=user.pk, now=now)]
    return items


def my_work(*, actor: Actor, org_slug: str, now: datetime | None = None) -> list[Item]:
    """Everything waiting on `actor` (a person) in the current organization, newest first."""
    if actor.user is None:
        return []
    now = now or timezone.now()
    items = [*_approvals(actor, org_slug), *_sign_offs(actor, org_slug), *_provisioning(actor, org_slug),
             *_reminders(actor, org_slug, now)]
    return sorted(items, key=lambda item: (item.since, item.kind, item.id), reverse=True)
