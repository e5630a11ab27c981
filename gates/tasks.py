"""Re-evaluation after the data a rule reads has changed. Both tasks only evaluate (which is
always safe to repeat), so running one twice records a second, identical piece of evidence."""

from __future__ import annotations

from celery import shared_task

from gates import services
from vsm.tenancy.tasks import tenant_task


@tenant_task
def reevaluate_gates_for_ci_result(ci_result_id: int) -> int:
    return services.ci_result_reevaluate_gates(ci_result_id=ci_result_id)


@tenant_task
def reevaluate_dependent_gates(gate_id: int) -> int:
    return services.gate_reevaluate_dependents(gate_id=gate_id)


@shared_task(name="gates.tasks.ci_results_sweep")
def ci_results_sweep() -> int:
    """The periodic catch-up (beat): CI reports whose gates' re-evaluation was never sent."""
    return services.ci_results_sweep()
