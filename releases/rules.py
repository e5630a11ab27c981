"""Gate rules over releases' data, registered from ReleasesConfig.ready() (see gates.rules).

"Previous gate met" needs no rule of its own: every phase gate's context carries
`previous_gate_id` (the entry gate: the previous phase's exit gate; the exit gate: its own
phase's entry gate), so a criterion {"rule": "criteria_of_gate_met",
"params": {"gate_id_from_context": "previous_gate_id"}} reads it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from environments.models import Booking
from environments.selectors import booking_list
from gates.models import Criterion, Gate
from gates.rules import RuleError, RuleOutcome, registry
from releases.models import Phase, PhaseStatus
from releases.selectors import release_refs
from vsm.moments import organization_zone, period_text

BOOKING_HELD = "phase_environment_booked"


def phase_environment_booked(gate: Gate, criterion: Criterion, params: dict[str, Any]) -> RuleOutcome:
    """Met when an approved booking of the phase's environment is held for the phase: overlapping
    its planned period or the time from now to its end (for a phase that is done, the time it
    ran), naming the release in its "release" field unless `match_release` is false."""
    phase_id = (gate.context or {}).get("phase_id")
    phase = Phase.objects.select_related("environment", "release").filter(pk=phase_id).first() if phase_id else None
    if phase is None:
        raise RuleError("the gate's context names no phase of a release (phase_id)")
    env, release = phase.environment, phase.release
    values: dict[str, Any] = {"phase": phase.name, "environment": env.slug if env else None}
    if env is None:
        return RuleOutcome(met=True, summary=f"{phase.name} targets no environment: nothing to book.", values=values)
    if not env.needs_booking:
        return RuleOutcome(met=True, summary=f"{env.name} needs no booking.", values=values)
    now = timezone.now()
    if phase.status == PhaseStatus.DONE and phase.actual_start:
        start, end = phase.actual_start, phase.actual_end or now  # it was held while the phase ran
    else:
        start, end = min(now, phase.planned_start), max(phase.planned_end, now + timedelta(seconds=1))
    held = booking_list().filter(environment=env, status=Booking.Status.APPROVED, period__overlap=(start, end))
    match = params.get("match_release", True)
    refs = release_refs(release)
    booking = next((b for b in held if not match or b.release_ref.strip().lower() in refs), None)
    values["match_release"] = match
    if booking is None:
        whose = f" for {release}" if match else ""
        return RuleOutcome(met=False, summary=f"No approved booking of {env.name}{whose} is held for {phase.name}.",
                           values=values)
    values.update(booking_id=booking.pk, start=booking.start.isoformat(), end=booking.end.isoformat(),
                  team=booking.team.slug if booking.team_id else None, release_ref=booking.release_ref)
    booked = period_text(booking.start, booking.end, zone=organization_zone(), name_zone=True)
    return RuleOutcome(met=True, summary=f"{env.name} is booked {booked} by "
                                         f"{booking.team.name if booking.team_id else booking.requester_label}.",
                       values=values)


def register() -> None:
    registry.register(
        BOOKING_HELD,
        title="A booking of the phase's environment is held",
        description="Met when an approved booking of the environment the phase targets is held for the phase "
                    "(its planned period, or from now to its end), naming the release (its version) unless "
                    "match_release is false. Met at once for environments that need no booking.",
        params_schema={"type": "object", "properties": {"match_release": {
            "type": "boolean", "description": "the booking must name the release (default true)"}},
            "additionalProperties": False},
        evaluate=phase_environment_booked,
    )
