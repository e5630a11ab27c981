"""What a release's state really is, beyond its stored fields: a phase reads "done" only while
the gates guarding it are met or waived, and a release owner is told what puts it at risk (a
late phase, a failing gate, no booking for the next phase, a phase planned into a freeze)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from environments.selectors import approved_overlapping
from gates.models import WAIVED, Gate, Status
from gates.selectors import unmet_criteria
from releases.models import Phase, PhaseStatus, Release
from releases.selectors.freezes import freeze_occurrences
from releases.selectors.releases import OPEN, phases_with_gates, release_refs


@dataclass(frozen=True)
class PhaseState:
    code: str  # the stored status, or "gate_open" for a done phase whose gate is no longer met
    words: str


def _guard_state(gate: Gate | None, unmet: dict[int, list]) -> str | None:
    """None when the gate lets the phase stand (met, or every unmet criterion waived), else its state."""
    if gate is None or gate.status == Status.MET:
        return None
    criteria = unmet.get(gate.pk, [])
    if criteria and all(c["state"] == WAIVED for c in criteria):
        return None
    return gate.status


def phase_states(phases: Iterable[Phase], now: datetime | None = None) -> dict[int, PhaseState]:
    """How each phase reads. Phases from phases_with_gates(): no query beyond gates never
    summarized. A done phase whose entry or exit gate is neither met nor waived (a sign-off
    withdrawn, a booking cancelled after the fact) reads as its gate's state, never "done"."""
    phases = list(phases)
    gates = [g for p in phases for g in (p.entry_gate, p.exit_gate) if g is not None]
    unmet = unmet_criteria(gates=gates, now=now)
    states = {}
    for phase in phases:
        words = phase.get_status_display()
        code = phase.status
        if phase.status == PhaseStatus.DONE:
            for kind, gate in (("Entry", phase.entry_gate), ("Exit", phase.exit_gate)):
                state = _guard_state(gate, unmet)
                if state is not None:
                    code, words = "gate_open", f"Not done: {kind.lower()} gate {state}"
                    break
        states[phase.pk] = PhaseState(code, words)
    return states


# --- releases at risk -----------------------------------------------------------------------

@dataclass(frozen=True)
class Risk:
    release: Release
    reason: str  # late_phase, gate_failed, no_booking, freeze
    message: str
    since: datetime  # when the risk arose, for "newest first"


def _next_phase(phases: list[Phase]) -> Phase | None:
    active = next((p for p in phases if p.status == PhaseStatus.ACTIVE), None)
    return next((p for p in phases if p.status == PhaseStatus.PENDING
                 and (active is None or p.order > active.order)), None)


def _risks_of(release: Release, now: datetime) -> list[Risk]:
    phases = list(release.phases.all())
    found = []
    for phase in phases:
        late_end = phase.status == PhaseStatus.ACTIVE and phase.planned_end < now
        late_start = phase.status == PhaseStatus.PENDING and phase.planned_start < now
        if late_end or late_start:
            found.append(Risk(release, "late_phase", f"{phase.name} should have {'ended' if late_end else 'started'} "
                              f"{(phase.planned_end if late_end else phase.planned_start):%Y-%m-%d %H:%M}.",
                              phase.planned_end if late_end else phase.planned_start))
        for gate in (phase.entry_gate, phase.exit_gate):
            if gate is not None and gate.status == Status.FAILED:
                found.append(Risk(release, "gate_failed", f"'{gate.name}' failed.", gate.evaluated_at or now))
    following = _next_phase(phases)
    env = following.environment if following else None
    if env is not None and env.needs_booking:
        refs = release_refs(release)
        held = approved_overlapping(environment_ids=[env.pk], start=following.planned_start,
                                    end=following.planned_end)
        if not any(b.release_ref.strip().lower() in refs for b in held):
            found.append(Risk(release, "no_booking", f"No approved booking of {env.name} names the release for "
                              f"{following.name}.", release.updated_at))
    for phase in phases:
        if phase.status == PhaseStatus.DONE or phase.environment is None or phase.planned_end <= now:
            continue
        for occurrence in freeze_occurrences(start=max(phase.planned_start, now), end=phase.planned_end,
                                             environment=phase.environment, value_stream=release.value_stream_id)[:1]:
            found.append(Risk(release, "freeze", f"{phase.name} is planned into the freeze "
                              f"'{occurrence.window.name}'.", release.updated_at))
    return found


def owned_open_releases(*, owner_id: int) -> QuerySet[Release]:
    return Release.objects.filter(owner_id=owner_id, status__in=OPEN).prefetch_related(
        Prefetch("phases", queryset=phases_with_gates())).order_by("planned_start", "id")


def releases_at_risk(*, owner_id: int, now: datetime | None = None) -> list[Risk]:
    """What puts the open releases this person owns at risk."""
    now = now or timezone.now()
    return [risk for release in owned_open_releases(owner_id=owner_id) for risk in _risks_of(release, now)]
