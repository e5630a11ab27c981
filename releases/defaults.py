"""The release template every organization can start from: BUILD, SIT, UAT, PROD, each phase's
entry gate requiring the previous gate met (through the gates' context, see releases.rules)."""

from __future__ import annotations

from typing import Any

from environments.models import Tier
from gates.builtin_rules import CI_RESULT_REPORTED, CRITERIA_OF_GATE_MET
from releases.rules import BOOKING_HELD
from vsm.tenancy.roles import Role

PREVIOUS_GATE_MET: dict[str, Any] = {
    "title": "Previous gate met", "type": "automated", "rule": CRITERIA_OF_GATE_MET,
    "params": {"gate_id_from_context": "previous_gate_id"},
    "description": "Every criterion of the previous phase's exit gate is met (a waived one is not)."}


def _ci(title: str, name: str) -> dict[str, Any]:
    return {"title": title, "type": "automated", "rule": CI_RESULT_REPORTED,
            "params": {"name": name, "subject_from_context": "release_version"},
            "description": f"CI reports '{name}' passed for the release's version."}


def _booked(env: str) -> dict[str, Any]:
    return {"title": f"{env} booked for the release", "type": "automated", "rule": BOOKING_HELD, "params": {},
            "description": f"An approved booking of the {env} environment names the release's version."}


def _sign_off(title: str, role: str) -> dict[str, Any]:
    return {"title": title, "type": "manual", "signer_role": role, "required_sign_offs": 1}


DEFAULT_TEMPLATE: dict[str, Any] = {
    "name": "Standard release",
    "description": "BUILD → SIT → UAT → PROD with bookings, CI results and sign-offs at each gate.",
    "phases": [
        {"name": "BUILD", "tier": "", "duration_days": 5, "entry_criteria": [],
         "exit_criteria": [_ci("Build and unit tests passed", "unit-tests")]},
        {"name": "SIT", "tier": Tier.INTEGRATION, "duration_days": 5,
         "entry_criteria": [PREVIOUS_GATE_MET, _booked("SIT")],
         "exit_criteria": [_ci("Integration tests passed", "integration-tests"),
                           _sign_off("Test lead sign-off", Role.APPROVER)]},
        {"name": "UAT", "tier": Tier.UAT, "duration_days": 5,
         "entry_criteria": [PREVIOUS_GATE_MET, _booked("UAT")],
         "exit_criteria": [_sign_off("Business acceptance", Role.APPROVER)]},
        {"name": "PROD", "tier": Tier.PRODUCTION, "duration_days": 1,
         "entry_criteria": [PREVIOUS_GATE_MET, _sign_off("Change approved", Role.APPROVER),
                            _sign_off("Go / no-go", Role.RELEASE_MANAGER)],
         "exit_criteria": [_ci("Smoke tests in production passed", "smoke-tests")]},
    ],
}
