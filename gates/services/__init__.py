"""Every write of the gates app. Split by sub-domain; import from here.

Other apps create gates with `gate_create` (with the owner and the context their rules read)
and read `gate.status`, or `gates.selectors.gate_checklists` for the detail.
"""

from gates.services.checklists import (
    MAX_SIGN_OFFS,
    criterion_add,
    criterion_remove,
    criterion_update,
    gate_create,
    gate_evaluate,
    gate_reevaluate_dependents,
    gate_update,
)
from gates.services.ci_results import ci_result_reevaluate_gates, ci_result_report, ci_results_sweep
from gates.services.decisions import criterion_waive, gate_policy_update, gate_sign_off, waiver_revoke
from gates.services.requests import sign_off_request

__all__ = [
    "MAX_SIGN_OFFS",
    "criterion_add", "criterion_remove", "criterion_update", "gate_create", "gate_evaluate",
    "gate_reevaluate_dependents", "gate_update", "ci_result_reevaluate_gates", "ci_result_report", "ci_results_sweep",
    "criterion_waive", "gate_policy_update", "gate_sign_off", "waiver_revoke", "sign_off_request",
]
