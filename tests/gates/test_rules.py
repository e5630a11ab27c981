"""The rule registry and the rules gates registers itself, evaluated through gate_evaluate as
every caller does. An unknown, broken or crashing rule is an error outcome, never a crash."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from jsonschema.exceptions import SchemaError

from gates import services
from gates.models import Evaluation, Status
from gates.rules import RuleOutcome, registry
from tests.gates.factories import (
    AutomatedCriterionFactory,
    CIResultFactory,
    CriterionFactory,
    GateFactory,
    WaiverFactory,
)
from vsm.errors import InvalidInput

pytestmark = pytest.mark.django_db

CI = "ci_result_reported"
OTHER_GATE = "criteria_of_gate_met"


def automated(rule: str, params: dict, title: str = "Automated check") -> dict:
    return {"title": title, "type": "automated", "rule": rule, "params": params}


def decide(gate, actor):
    """Evaluate the gate; the one criterion's stored state and its evidence."""
    services.gate_evaluate(actor=actor, gate=gate)
    criterion = gate.criteria.select_related("latest_evaluation").get()
    return criterion, criterion.latest_evaluation


# --- ci_result_reported ------------------------------------------------------------------------

@pytest.mark.parametrize("params", [
    {"name": "integration", "subject": "2.4.0"},
    {"name": "integration", "subject_from_context": "release_version"},
], ids=["literal subject", "subject from context"])
@pytest.mark.parametrize("reports, state, outcome", [
    ([("2.4.0", False, 2), ("2.4.0", True, 1)], Status.MET, "met"),
    ([("2.4.0", True, 2), ("2.4.0", False, 1)], Status.FAILED, "not_met"),
    ([("2.3.9", True, 1)], Status.PENDING, "not_met"),
    ([], Status.PENDING, "not_met"),
], ids=["latest passed", "latest failed", "other subject only", "nothing reported"])
def test_ci_result_reported_reads_the_latest_result_of_its_name_and_subject(
        in_a, org_a, org_b, manager, params, reports, state, outcome):
    now = timezone.now()
    made = [CIResultFactory(organization=org_a, name="integration", subject=subject, passed=passed,
                            evidence_url=f"https://ci.test/{hours}", reported_at=now - timedelta(hours=hours))
            for subject, passed, hours in reports]
    CIResultFactory(organization=org_a, name="unit", subject="2.4.0", passed=not made or not made[-1].passed)
    # Org B's newer result about the same name and subject is never seen.
    CIResultFactory(organization=org_b, name="integration", subject="2.4.0", passed=state != Status.MET)
    gate = services.gate_create(actor=manager, name="Go-live", context={"release_version": "2.4.0"},
                                criteria=[automated(CI, params)])

    criterion, evidence = decide(gate, manager)

    assert criterion.state == state
    assert evidence.outcome == outcome and evidence.rule == CI and evidence.params == params
    latest = [r for r in made if r.subject == "2.4.0"]
    if latest:
        newest = max(latest, key=lambda r: r.reported_at)
        assert evidence.values["ci_result_id"] == newest.pk
        assert evidence.values["evidence_url"] == newest.evidence_url
        assert evidence.values["passed"] is newest.passed
    else:
        assert evidence.values == {"name": "integration", "subject": "2.4.0", "ci_result_id": None}
    gate.refresh_from_db()
    assert gate.status == state


def test_a_missing_context_key_is_an_error_outcome(in_a, org_b, manager):
    gate = services.gate_create(actor=manager, name="Go-live", context={},
                                criteria=[automated(CI, {"name": "it", "subject_from_context": "release_version"})])
    criterion, evidence = decide(gate, manager)
    assert evidence.outcome == Evaluation.Outcome.ERROR and criterion.state == Status.FAILED
    assert "release_version" in evidence.summary


# --- criteria_of_gate_met ----------------------------------------------------------------------

@pytest.mark.parametrize("other_states, waived, met, state", [
    ([Status.MET, Status.MET], False, True, Status.MET),
    ([], False, True, Status.MET),
    ([Status.MET, Status.PENDING], False, False, Status.PENDING),
    ([Status.MET, Status.PENDING], True, False, Status.PENDING),
    ([Status.MET, Status.FAILED], False, False, Status.FAILED),
], ids=["all met", "no criteria", "one pending", "one waived", "one failed"])
def test_criteria_of_gate_met_needs_every_criterion_of_the_other_gate_met(
        in_a, org_a, org_b, manager, other_states, waived, met, state):
    previous = GateFactory(organization=org_a, name="SIT exit")
    criteria = [CriterionFactory(organization=org_a, gate=previous, state=s, title=f"item {i}")
                for i, s in enumerate(other_states)]
    if waived:
        WaiverFactory(organization=org_a, criterion=criteria[-1])
    gate = services.gate_create(actor=manager, name="UAT entry", context={"previous_gate_id": previous.pk},
                                criteria=[automated(OTHER_GATE, {"gate_id_from_context": "previous_gate_id"})])

    criterion, evidence = decide(gate, manager)

    assert (evidence.outcome == "met") is met and criterion.state == state
    assert evidence.values["gate_id"] == previous.pk
    expected = [{"id": c.pk, "title": c.title, "state": c.state} for c in criteria]
    if waived:
        expected[-1]["state"] = "waived"
    assert evidence.values["criteria"] == expected


@pytest.mark.parametrize("target", ["org_b_gate", "missing", "itself", "not_a_number"])
def test_criteria_of_gate_met_cannot_reach_another_org_a_missing_gate_or_itself(in_a, org_a, org_b, manager, target):
    gate_b = GateFactory(organization=org_b)
    CriterionFactory(organization=org_b, gate=gate_b, state=Status.MET)
    gate = services.gate_create(actor=manager, name="UAT entry",
                                criteria=[automated(OTHER_GATE, {"gate_id_from_context": "previous_gate_id"})])
    gate.context = {"previous_gate_id": {"org_b_gate": gate_b.pk, "missing": 999_999, "itself": gate.pk,
                                         "not_a_number": "SIT"}[target]}
    gate.save()

    criterion, evidence = decide(gate, manager)

    assert evidence.outcome == Evaluation.Outcome.ERROR and criterion.state == Status.FAILED
    assert "could not be evaluated" in evidence.summary


# --- unknown, broken and crashing rules --------------------------------------------------------

def test_an_unknown_rule_is_an_error_outcome_not_a_crash(in_a, org_a, org_b, manager):
    criterion = AutomatedCriterionFactory(organization=org_a, rule="no_such_rule", params={})
    gate = services.gate_evaluate(actor=manager, gate=criterion.gate)
    criterion.refresh_from_db()
    assert criterion.state == Status.FAILED and gate.status == Status.FAILED
    evidence = criterion.latest_evaluation
    assert evidence.outcome == Evaluation.Outcome.ERROR and evidence.rule == "no_such_rule"
    assert "not registered" in evidence.summary and evidence.values == {"error": "unknown_rule"}


def test_a_rule_that_crashes_or_breaks_the_transaction_is_an_error_and_the_others_still_count(
        in_a, org_a, org_b, manager, temporary_rule, caplog):
    def crashes(gate, criterion, params):
        raise ZeroDivisionError("boom")

    def bad_sql(gate, criterion, params):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1/0")

    temporary_rule("test_crashes", crashes)
    temporary_rule("test_bad_sql", bad_sql)
    temporary_rule("test_wrong_type", lambda gate, criterion, params: True)
    temporary_rule("test_unstorable", lambda gate, criterion, params: RuleOutcome(met=True, summary="",
                                                                                 values={"gate": gate}))
    temporary_rule("test_met", lambda gate, criterion, params: RuleOutcome(met=True, summary="fine", values={"n": 1}))
    gate = GateFactory(organization=org_a)
    for index, rule in enumerate(["test_crashes", "test_bad_sql", "test_wrong_type", "test_unstorable", "test_met"]):
        AutomatedCriterionFactory(organization=org_a, gate=gate, rule=rule, params={}, order=index)

    with caplog.at_level(logging.ERROR, logger="gates.services"):
        gate = services.gate_evaluate(actor=manager, gate=gate)

    criteria = gate.criteria.select_related("latest_evaluation")
    outcomes = {c.rule: (c.latest_evaluation.outcome, c.state) for c in criteria}
    assert outcomes == {
        "test_crashes": ("error", Status.FAILED), "test_bad_sql": ("error", Status.FAILED),
        "test_wrong_type": ("error", Status.FAILED), "test_unstorable": ("error", Status.FAILED),
        "test_met": ("met", Status.MET),
    }
    assert gate.status == Status.FAILED
    assert [r.getMessage() for r in caplog.records].count("gate rule crashed") == 2


def test_params_that_no_longer_fit_the_schema_are_an_error_outcome(in_a, org_a, org_b, manager):
    criterion = AutomatedCriterionFactory(organization=org_a, rule=CI, params={"subject": "2.4.0"})
    services.gate_evaluate(actor=manager, gate=criterion.gate)
    criterion.refresh_from_db()
    assert criterion.latest_evaluation.outcome == "error" and "no longer valid" in criterion.summary


# --- the registry ------------------------------------------------------------------------------

def test_the_builtin_rules_are_registered_with_their_schemas():
    keys = [rule.key for rule in registry.all()]
    assert CI in keys and OTHER_GATE in keys
    assert registry.get(CI).params_schema["required"] == ["name"]


def test_a_key_cannot_be_taken_twice_by_different_functions(temporary_rule):
    def first(gate, criterion, params):
        return RuleOutcome(met=True, summary="")

    temporary_rule("test_twice", first)
    registry.register("test_twice", title="same function again", params_schema={"type": "object"}, evaluate=first)
    with pytest.raises(ValueError, match="already registered"):
        registry.register("test_twice", title="another", params_schema={"type": "object"},
                          evaluate=lambda gate, criterion, params: RuleOutcome(met=False, summary=""))


def test_a_rule_needs_a_valid_json_schema():
    with pytest.raises(SchemaError):
        registry.register("test_bad_schema", title="x", params_schema={"type": "no-such-type"},
                          evaluate=lambda gate, criterion, params: RuleOutcome(met=True, summary=""))
    assert registry.get("test_bad_schema") is None


@pytest.mark.parametrize("rule, params, field", [
    ("no_such_rule", {}, "rule"),
    (CI, {"subject": "1.0"}, "params"),
    (CI, {"name": "it"}, "params"),
    (CI, {"name": "it", "subject": "1.0", "subject_from_context": "v"}, "params"),
    (CI, {"name": "it", "subject_from_context": "has__dunder"}, "params"),
    (OTHER_GATE, {"gate_id": "three"}, "params"),
    (OTHER_GATE, {"gate_id": 3, "extra": True}, "params"),
])
def test_validate_names_the_field_at_fault(rule, params, field):
    with pytest.raises(InvalidInput) as refused:
        registry.validate(rule, params)
    assert list(refused.value.fields) == [field]
