"""Re-evaluation of phase gates after the bookings they read changed (see
releases/services/gate_triggers.py); queued by releases.signals after commit."""

from __future__ import annotations

from releases.services.gate_triggers import phase_gates_reevaluate_for_bookings
from vsm.tenancy.tasks import tenant_task


@tenant_task
def reevaluate_gates_for_bookings(environment_id: int) -> int:
    return phase_gates_reevaluate_for_bookings(environment_id=environment_id)
