""""May I deploy?": the one decision CI asks before deploying a service version into an
environment. Each reason comes from one function of CHECKS; another app adds its own with
`register_check` (the integrations issue adds "change request not approved"), and what it reads
on every check with `releases.selectors.register_fact`.

A reason is a dict with `code`, `message`, `severity` ("deny" or "warn") and `until` (when it
passes by itself, or None), plus whatever else explains it. The decision is "deny" when any
reason denies, "warn" when some only warn, else "allow"; `retry_after` is when every denying
reason will have passed, if they all pass with time. Every check is recorded as a
DeploymentCheck: the evidence of what CI was told, and the waits the metrics measure.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from environments.models import Environment
from environments.selectors import LeaseDecision, availability_reasons, lease_check
from gates.models import Status
from gates.selectors import unmet_criteria
from releases.models import Decision, DeploymentCheck, Release, ReleaseKind
from releases.selectors import CheckFacts, check_facts, freeze_active, freeze_override_in_force, next_slot_booking
from releases.services._common import require
from releases.services.freezes import LONGEST_OVERRIDE, freeze_override_grant, override_refusal
from vsm.catalog.models import Service
from vsm.errors import DomainError, InvalidInput
from vsm.moments import moment_text
from vsm.prepared import PreparedInsert
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm

DENY, WARN = "deny", "warn"
# Every check writes one row: through a prepared INSERT, as the facts are read (vsm/prepared.py).
RECORD = PreparedInsert(DeploymentCheck, "deployment_check_record")
Reason = dict[str, Any]


@dataclass
class CheckContext:
    """What a check function may read: the facts read in one statement up front (see
    releases.selectors.checks); what only a denial needs is read when first asked."""

    actor: Actor
    facts: CheckFacts
    version: str
    release_given: bool
    at: datetime
    override_reason: str = ""

    @property
    def service(self) -> Service:
        return self.facts.service

    @property
    def environment(self) -> Environment:
        return self.facts.environment

    @property
    def release(self) -> Release | None:
        return self.facts.release

    @cached_property
    def lease(self) -> LeaseDecision:
        # Only the booking and availability reasons matter here: leases are CI's business, not a deployment's.
        return lease_check(environment=self.environment, actor=self.actor, service=self.service, at=self.at,
                           leases=False)


def reason(code: str, message: str, *, severity: str = DENY, until: datetime | None = None, **extra: Any) -> Reason:
    return {"code": code, "message": message, "severity": severity, "until": until, **extra}


def freeze_reasons(ctx: CheckContext) -> list[Reason]:
    """`freeze_active` for every freeze in force here, with its end; `freeze_overridden` (a
    warning) where a break-glass override applies or is granted now with `override_reason`."""
    found = []
    stream = ctx.service.value_stream_id or (ctx.release.value_stream_id if ctx.release else None)
    release_id = ctx.release.pk if ctx.release else None
    for running in freeze_active(at=ctx.at, environment=ctx.environment, value_stream=stream,
                                 version=ctx.facts.settings.rules_version if ctx.facts.settings.pk else None):
        window, refused = running.window, None
        override = freeze_override_in_force(window=window, at=ctx.at, release_id=release_id,
                                            environment=ctx.environment)
        if override is None and ctx.override_reason:
            override, refused = _break_glass(ctx, window, running.end)
        facts = {"freeze_window": window.pk, "name": window.name, "ends_at": running.end}
        if override is not None:
            found.append(reason("freeze_overridden", f"'{window.name}' is in force until {moment_text(running.end)}, "
                                f"overridden by {override.granted_by_label}: {override.reason}", severity=WARN,
                                override=override.pk, **facts))
            continue
        message = f"'{window.name}' is in force until {moment_text(running.end)}" + (
            f": {window.reason}" if window.reason else ".")
        found.append(reason("freeze_active", message, until=running.end,
                            **facts, **({"override_refused": refused} if refused else {})))
    return found


def _break_glass(ctx: CheckContext, window, end: datetime):
    refusal = override_refusal(actor=ctx.actor, release=ctx.release)
    if refusal is not None:
        return None, refusal.message
    try:
        override = freeze_override_grant(
            actor=ctx.actor, window=window, reason=ctx.override_reason, release=ctx.release,
            environment=ctx.environment if ctx.release is None else None,
            expires_at=min(end, ctx.at + LONGEST_OVERRIDE))
    except DomainError as error:
        return None, error.message
    return override, None


def gate_reasons(ctx: CheckContext) -> list[Reason]:
    """`gate_not_met` naming the unmet criteria of the entry gate of the release's phase that
    deploys into this environment."""
    release = ctx.release
    if release is None:
        return []
    phase = ctx.facts.phase
    if phase is None:
        if not ctx.release_given:
            return []
        return [reason("not_in_release_plan", f"No phase of {release} deploys into {ctx.environment.name}.",
                       severity=WARN, release=release.pk)]
    found = []
    gate = phase.entry_gate
    if gate is not None and gate.status != Status.MET:
        criteria = unmet_criteria(gates=[gate], now=ctx.at)[gate.pk]
        names = ", ".join(f"{c['title']} ({c['state']})" for c in criteria) or "not evaluated yet"
        found.append(reason("gate_not_met", f"'{gate.name}' of {release} is not met: {names}.",
                            release=release.pk, phase=phase.name, gate=gate.pk, criteria=criteria))
    elif phase.status == "pending":
        found.append(reason("phase_not_started", f"{phase.name} of {release} has not started yet.",
                            severity=WARN, release=release.pk, phase=phase.name))
    return found


def _as_reasons(found) -> list[Reason]:
    """environments' reasons (code, message, until and facts) as check reasons."""
    return [reason(r["code"], r["message"], until=r.get("until"),
                   **{k: v for k, v in r.items() if k not in ("code", "message", "until")}) for r in found]


def _lease_reasons(ctx: CheckContext, codes: set[str]) -> list[Reason]:
    return _as_reasons(r for r in ctx.lease.reasons if r["code"] in codes)


def booking_reasons(ctx: CheckContext) -> list[Reason]:
    """`no_booking` (or `booked_by_other_team`) on a non-production environment that needs a
    booking, as environments' lease check sees it for this service's team or this person."""
    env = ctx.environment
    if env.is_production or not env.needs_booking or ctx.facts.booking_held:
        return []
    return _lease_reasons(ctx, {"no_booking", "booked_by_other_team"})


def environment_reasons(ctx: CheckContext) -> list[Reason]:
    """`environment_maintenance` or `environment_down`: an outage in force or the environment's status."""
    return _as_reasons(availability_reasons(ctx.environment, ctx.facts.outage))


def approval_reasons(ctx: CheckContext) -> list[Reason]:
    """`deployment_approval_pending` where the environment approves each deployment."""
    env = ctx.environment
    if not env.requires_deployment_approval or ctx.facts.deployment_approved:
        return []
    return [reason("deployment_approval_pending",
                   f"Deployments into {env.name} need approval; {ctx.service.slug} {ctx.version} is not approved "
                   "(ask with POST deployment-approvals/).", environment=env.slug)]


def slot_reasons(ctx: CheckContext) -> list[Reason]:
    """`no_release_slot` for production when the organization requires slots and none booked for
    the release covers now (a warning only, for an emergency release)."""
    if not (ctx.environment.is_production and ctx.facts.settings.require_release_slots):
        return []
    release = ctx.release
    if release is None:
        return [reason("no_release_slot", "Production deployments need a release slot booked for the release; "
                                          "name the release.")]
    if ctx.facts.slot_booked:
        return []
    if release.kind == ReleaseKind.EMERGENCY:
        return [reason("no_release_slot", f"{release} has no release slot now; allowed as an emergency release.",
                       severity=WARN, release=release.pk)]
    upcoming = next_slot_booking(release=release, after=ctx.at)
    return [reason("no_release_slot", f"No release slot booked for {release} covers now"
                   + (f"; its next slot starts {moment_text(upcoming.slot_start)}." if upcoming else "; book one."),
                   until=upcoming.slot_start if upcoming else None, release=release.pk)]


CHECKS: list[Callable[[CheckContext], list[Reason]]] = [
    freeze_reasons, gate_reasons, booking_reasons, environment_reasons, approval_reasons, slot_reasons,
]


def register_check(check: Callable[[CheckContext], list[Reason]]) -> None:
    """Add a reason function (from another app's AppConfig.ready); registering twice adds it once."""
    if check not in CHECKS:
        CHECKS.append(check)


def _facts(service: str, environment: str, version: str, release_id: int | None, at: datetime, actor: Actor
           ) -> CheckFacts:
    if not version or len(version) > 120:
        raise InvalidInput.field("version", "A version of 1 to 120 characters is required.")
    facts = check_facts(service=service, environment=environment, version=version, release_id=release_id, at=at,
                        user=actor.user)
    if facts.service is None:
        raise InvalidInput.field("service", f"No service '{service}' in the catalog.")
    if facts.environment is None:
        raise InvalidInput.field("environment", f"No environment '{environment}'.")
    if release_id is not None and facts.release is None:
        raise InvalidInput.field("release", f"No release {release_id}.")
    return facts


def decide(reasons: list[Reason]) -> tuple[str, datetime | None]:
    denying = [r for r in reasons if r["severity"] == DENY]
    if not denying:
        return (Decision.WARN if reasons else Decision.ALLOW), None
    untils = [r["until"] for r in denying if r.get("until") is not None]
    return Decision.DENY, (max(untils) if len(untils) == len(denying) else None)


def deployment_check(*, actor: Actor, service: str, environment: str, version: str, release_id: int | None = None,
                     override_reason: str = "", at: datetime | None = None) -> DeploymentCheck:
    """May `actor` deploy `service` at `version` into `environment` now? Without `release_id`,
    the open release whose scope holds the service at that version is the one checked.
    `override_reason` breaks the glass of a freeze in force, where the actor may."""
    require(actor, Perm.RECORD_DELIVERY)
    version, at = (version or "").strip(), at or timezone.now()
    ctx = CheckContext(actor=actor, facts=_facts(service, environment, version, release_id, at, actor),
                       version=version, release_given=release_id is not None, at=at,
                       override_reason=(override_reason or "").strip())
    # Breaking the glass writes an override: kept only with the check that used it. Without it the
    # check is a single insert, and this runs on every deployment.
    with transaction.atomic() if ctx.override_reason else nullcontext():
        reasons = [found for check in CHECKS for found in check(ctx)]
        decision, retry_after = decide(reasons)
        return RECORD.insert(
            service=ctx.service, service_slug=ctx.service.slug, environment=ctx.environment,
            environment_slug=ctx.environment.slug, version=version, release=ctx.release, decision=decision,
            reasons=json.loads(json.dumps(reasons, cls=DjangoJSONEncoder)), retry_after=retry_after,
            checked_at=ctx.at, checked_by_user=actor.user, checked_by_token=actor.token,
            checked_by_label=actor.label[:254])

