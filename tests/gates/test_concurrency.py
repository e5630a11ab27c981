"""Sign-offs racing for the same gate: each thread has its own connection, so these are real
concurrent transactions. The gate's row lock makes them take turns: every approval is recorded
exactly once, the last one meets the gate, and a person racing themselves signs once."""

from __future__ import annotations

import pytest

from gates import services
from gates.models import CIResult, Evaluation, SignOff, Status
from tests.gates.factories import CriterionFactory, GateFactory
from vsm.audit.models import AuditEvent
from vsm.errors import Conflict
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("signers", [2, 8])
def test_simultaneous_last_sign_offs_are_each_recorded_once(org_a, org_b, member_factory, race, signers):
    gate = GateFactory(organization=org_a)
    other = CriterionFactory(organization=org_a, gate=gate, required_sign_offs=1)
    last = CriterionFactory(organization=org_a, gate=gate, required_sign_offs=signers)
    approvers = [Actor(role=Role.APPROVER, user=member_factory(Role.APPROVER)) for _ in range(signers + 1)]
    with tenant_context(org_a):
        services.gate_sign_off(actor=approvers[-1], criterion=other, decision="approve")

    results, errors = race(org_a, [
        lambda actor=actor: services.gate_sign_off(actor=actor, criterion=last, decision="approve")
        for actor in approvers[:signers]])

    assert errors == [] and len(results) == signers
    with tenant_context(org_a):
        assert sorted(SignOff.objects.filter(criterion=last).values_list("user_id", flat=True)) == sorted(
            a.user.pk for a in approvers[:signers])
        last.refresh_from_db()
        gate.refresh_from_db()
        assert last.state == Status.MET and gate.status == Status.MET
        # Each sign-off saw the ones before it: the counts in the evidence are 1, 2, ... signers.
        evidence = Evaluation.objects.filter(criterion=last, trigger="signed_off")
        counts = sorted(len(e.values["approved_by"]) for e in evidence)
        assert counts == list(range(1, signers + 1))
        assert AuditEvent.objects.filter(action="signoff.approve").count() == signers + 1


def test_one_person_racing_themselves_signs_once(org_a, org_b, member_factory, race):
    criterion = CriterionFactory(organization=org_a, required_sign_offs=2)
    actor = Actor(role=Role.APPROVER, user=member_factory(Role.APPROVER))

    results, errors = race(org_a, [
        lambda: services.gate_sign_off(actor=actor, criterion=criterion, decision="approve")] * 5)

    assert len(results) == 1 and len(errors) == 4
    assert all(isinstance(e, Conflict) for e in errors)
    with tenant_context(org_a):
        assert SignOff.objects.filter(criterion=criterion).count() == 1


def test_a_ci_report_replayed_at_the_same_moment_is_recorded_once(org_a, org_b, race):
    actor = Actor(role=Role.ENGINEER, system="ci")

    results, errors = race(org_a, [
        lambda: services.ci_result_report(actor=actor, name="integration", subject="2.4.0", passed=True,
                                          external_id="pipeline-8812")] * 6)

    assert errors == [] and sorted(created for _, created in results) == [False] * 5 + [True]
    assert len({result.pk for result, _ in results}) == 1
    with tenant_context(org_a):
        assert CIResult.objects.count() == 1
