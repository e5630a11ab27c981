"""The rules gates registers itself (from GatesConfig.ready), over data gates owns: CI results
and other gates. Both name their subject literally or through a key of the gate's context, so
a release template can say "the release's version" once for every release made from it."""

from __future__ import annotations

from typing import Any

from gates.models import Criterion, Gate, Status
from gates.rules import RuleError, RuleOutcome, registry
from gates.selectors import CONTEXT_KEY, active_waiver, ci_result_latest, criteria_with_decisions

CI_RESULT_REPORTED = "ci_result_reported"
CRITERIA_OF_GATE_MET = "criteria_of_gate_met"


def _literal_or_context(literal: str, literal_schema: dict, from_context: str, described: str) -> dict:
    """The params schema of a rule that takes `literal` or the context key `from_context`."""
    return {
        literal: {**literal_schema, "description": f"{described}, given literally"},
        from_context: {"type": "string", "pattern": CONTEXT_KEY,
                       "description": f"the key of the gate's context that holds {described}"},
    }


def resolve(gate: Gate, params: dict[str, Any], *, literal: str, from_context: str) -> Any:
    if literal in params:
        return params[literal]
    key = params[from_context]
    if key not in (gate.context or {}):
        raise RuleError(f"the gate's context has no '{key}'")
    return gate.context[key]


def ci_result_reported(gate: Gate, criterion: Criterion, params: dict[str, Any]) -> RuleOutcome:
    name = params["name"]
    subject = str(resolve(gate, params, literal="subject", from_context="subject_from_context"))
    result = ci_result_latest(name=name, subject=subject)
    if result is None:
        return RuleOutcome(met=False, summary=f"No '{name}' result reported for {subject} yet.",
                           values={"name": name, "subject": subject, "ci_result_id": None})
    values = {
        "name": name, "subject": subject, "ci_result_id": result.pk, "passed": result.passed,
        "summary": result.summary, "evidence_url": result.evidence_url,
        "reported_at": result.reported_at.isoformat(), "reported_by": result.reporter_label,
    }
    verdict = "passed" if result.passed else "failed"
    return RuleOutcome(met=result.passed, summary=f"'{name}' {verdict} for {subject}.", values=values,
                       failed=not result.passed)


def criteria_of_gate_met(gate: Gate, criterion: Criterion, params: dict[str, Any]) -> RuleOutcome:
    raw = resolve(gate, params, literal="gate_id", from_context="gate_id_from_context")
    try:
        other_id = int(raw)
    except (TypeError, ValueError):
        raise RuleError(f"'{raw}' is not a gate id") from None
    if other_id == gate.pk:
        raise RuleError("a gate cannot depend on itself")
    other = Gate.objects.filter(pk=other_id).first()
    if other is None:
        raise RuleError(f"gate {other_id} does not exist")
    states = [(c, c.display_state(active_waiver(c))) for c in criteria_with_decisions().filter(gate=other)]
    unmet = [(c, state) for c, state in states if state != Status.MET]
    values = {"gate_id": other.pk, "gate_name": other.name,
              "criteria": [{"id": c.pk, "title": c.title, "state": state} for c, state in states]}
    if not unmet:
        return RuleOutcome(met=True, summary=f"Every criterion of '{other.name}' is met.", values=values)
    titles = ", ".join(f"{c.title} ({state})" for c, state in unmet)
    return RuleOutcome(met=False, summary=f"Not met in '{other.name}': {titles}."[:500], values=values,
                       failed=any(state == Status.FAILED for _, state in unmet))


def register() -> None:
    registry.register(
        CI_RESULT_REPORTED,
        title="A CI result passed",
        description="Met when the latest result CI reported under this name for the subject passed.",
        params_schema={
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 200,
                         "description": "the result's name, as CI reports it (e.g. 'integration-tests')"},
                **_literal_or_context("subject", {"type": "string", "minLength": 1, "maxLength": 200},
                                      "subject_from_context", "the subject (e.g. a version)"),
            },
            "required": ["name"],
            "oneOf": [{"required": ["subject"]}, {"required": ["subject_from_context"]}],
            "additionalProperties": False,
        },
        evaluate=ci_result_reported,
    )
    registry.register(
        CRITERIA_OF_GATE_MET,
        title="Every criterion of another gate is met",
        description="Met when every criterion of the other gate is met; a waived criterion is not met.",
        params_schema={
            "type": "object",
            "properties": _literal_or_context("gate_id", {"type": "integer", "minimum": 1},
                                              "gate_id_from_context", "the other gate's id"),
            "oneOf": [{"required": ["gate_id"]}, {"required": ["gate_id_from_context"]}],
            "additionalProperties": False,
        },
        evaluate=criteria_of_gate_met,
    )
