"""Phase gates decided again when data their rules read changes, so no one has to press
"Evaluate now" for a gate to be right: a booking of a phase's environment (the "booking held"
rule). Run by releases.tasks after the change commits; safe to run twice (it only evaluates)."""

from __future__ import annotations

from gates.models import Criterion, Evaluation
from gates.services.checklists import reevaluate
from releases.models import Phase, ReleaseStatus
from releases.rules import BOOKING_HELD


def phase_gates_reevaluate_for_bookings(*, environment_id: int) -> int:
    """Evaluate the gates with a "booking held" criterion of open releases' phases targeting
    this environment."""
    phases = Phase.objects.filter(environment_id=environment_id).exclude(
        release__status__in=[ReleaseStatus.RELEASED, ReleaseStatus.CANCELLED])
    gate_ids = {gate_id for pair in phases.values_list("entry_gate_id", "exit_gate_id") for gate_id in pair if gate_id}
    reading = set(Criterion.objects.filter(gate_id__in=gate_ids, rule=BOOKING_HELD).values_list("gate_id", flat=True))
    return reevaluate(reading, trigger=Evaluation.Trigger.EVALUATED, system="booking-changed")
