"""Manual criteria: who may sign, once per person, how many approvals, what a rejection does,
segregation of duties, and the evidence each sign-off leaves."""

from __future__ import annotations

import pytest

from gates import services
from gates.models import Evaluation, SignOff, Status
from tests.gates.factories import AutomatedCriterionFactory, CriterionFactory, GateFactory, GatePolicyFactory
from vsm.audit.models import AuditEvent
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def criterion(org_a, org_b):
    return CriterionFactory(organization=org_a, title="CAB approval", signer_role=Role.APPROVER)


def sign(actor, criterion, decision="approve", comment=""):
    return services.gate_sign_off(actor=actor, criterion=criterion, decision=decision, comment=comment)


@pytest.mark.parametrize("role, allowed", [
    (Role.APPROVER, True), (Role.OWNER, True), (Role.ADMIN, True),
    (Role.RELEASE_MANAGER, False), (Role.ENGINEER, False), (Role.VIEWER, False),
])
def test_the_signer_holds_the_criterion_role_or_runs_the_organization(in_a, criterion, actor_of, role, allowed):
    actor = actor_of(role)
    if allowed:
        sign(actor, criterion)
        criterion.refresh_from_db()
        assert criterion.state == Status.MET
    else:
        with pytest.raises(PermissionRefused, match="signed off by the Approver role; your role is") as refused:
            sign(actor, criterion)
        assert refused.value.status == 403
        assert not SignOff.objects.exists()


def test_an_api_token_cannot_sign_off(in_a, criterion):
    with pytest.raises(PermissionRefused, match="person"):
        sign(Actor(role=Role.OWNER), criterion)


def test_each_person_signs_a_criterion_once(in_a, criterion, actor_of):
    criterion.required_sign_offs = 2
    criterion.save()
    approver = actor_of(Role.APPROVER)
    sign(approver, criterion)
    with pytest.raises(Conflict) as refused:
        sign(approver, criterion, decision="reject")
    assert refused.value.status == 409 and refused.value.details["conflicts_with"] == [f"criterion:{criterion.pk}"]
    assert SignOff.objects.filter(criterion=criterion).count() == 1


@pytest.mark.parametrize("required", [1, 2, 3])
def test_a_manual_criterion_is_met_at_the_required_number_of_approvals(in_a, criterion, actor_of, required):
    criterion.required_sign_offs = required
    criterion.save()
    for signed in range(1, required + 1):
        sign(actor_of(Role.APPROVER), criterion)
        criterion.refresh_from_db()
        criterion.gate.refresh_from_db()
        expected = Status.MET if signed == required else Status.PENDING
        assert criterion.state == expected and criterion.gate.status == expected
        assert criterion.summary.startswith("Approved by" if signed == required else f"{signed} of {required}")


def test_a_rejection_fails_the_criterion_whatever_the_approvals(in_a, criterion, actor_of):
    criterion.required_sign_offs = 2
    criterion.save()
    sign(actor_of(Role.APPROVER), criterion)
    rejecter = actor_of(Role.APPROVER, email="nope@acme.test")
    sign(rejecter, criterion, decision="reject", comment="Rollback plan missing")
    sign(actor_of(Role.APPROVER), criterion)
    criterion.refresh_from_db()
    assert criterion.state == Status.FAILED and criterion.summary == "Rejected by nope@acme.test."
    criterion.gate.refresh_from_db()
    assert criterion.gate.status == Status.FAILED


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_an_automated_criterion_is_never_signed_off_by_hand(in_a, org_a, actor_of, decision):
    automated = AutomatedCriterionFactory(organization=org_a, title="Integration tests passed")
    with pytest.raises(InvalidInput, match="automated") as refused:
        sign(actor_of(Role.OWNER), automated, decision=decision)
    assert refused.value.status == 400 and list(refused.value.fields) == ["criterion"]
    assert not SignOff.objects.exists()


def test_an_unknown_decision_names_the_field(in_a, criterion, actor_of):
    with pytest.raises(InvalidInput) as refused:
        sign(actor_of(Role.APPROVER), criterion, decision="maybe")
    assert list(refused.value.fields) == ["decision"]


# --- segregation of duties ---------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.APPROVER, Role.OWNER])
def test_the_gate_owner_cannot_sign_off_by_default(in_a, org_a, actor_of, role):
    owner = actor_of(role)
    gate = GateFactory(organization=org_a, owner=owner.user)
    criterion = CriterionFactory(organization=org_a, gate=gate, signer_role=Role.APPROVER)
    with pytest.raises(PermissionRefused, match="Segregation of duties"):
        sign(owner, criterion)
    assert not SignOff.objects.exists()
    sign(actor_of(Role.APPROVER), criterion)  # anybody else holding the role may


def test_the_owner_may_sign_off_where_the_policy_allows_it(in_a, org_a, org_b, actor_of):
    GatePolicyFactory(organization=org_b, allow_owner_sign_off=False)
    GatePolicyFactory(organization=org_a, allow_owner_sign_off=True)
    owner = actor_of(Role.APPROVER)
    criterion = CriterionFactory(organization=org_a, gate=GateFactory(organization=org_a, owner=owner.user))
    sign(owner, criterion)
    criterion.refresh_from_db()
    assert criterion.state == Status.MET


def test_org_b_allowing_owners_does_not_allow_them_in_org_a(in_a, org_a, org_b, actor_of):
    GatePolicyFactory(organization=org_b, allow_owner_sign_off=True)
    owner = actor_of(Role.APPROVER)
    criterion = CriterionFactory(organization=org_a, gate=GateFactory(organization=org_a, owner=owner.user))
    with pytest.raises(PermissionRefused):
        sign(owner, criterion)


# --- evidence ----------------------------------------------------------------------------------

def test_a_sign_off_records_evidence_and_an_audit_event(in_a, criterion, actor_of):
    approver = actor_of(Role.APPROVER, email="ann@acme.test")
    sign_off = sign(approver, criterion, comment="Checked the rollback plan")
    assert (sign_off.user_label, sign_off.role, sign_off.comment) == ("ann@acme.test", Role.APPROVER,
                                                                       "Checked the rollback plan")
    evidence = Evaluation.objects.filter(criterion=criterion).latest("id")
    assert evidence.trigger == Evaluation.Trigger.SIGNED_OFF and evidence.outcome == Evaluation.Outcome.MET
    assert evidence.evaluated_by_user == approver.user and evidence.evaluated_by_label == "ann@acme.test"
    assert evidence.values == {"signer_role": "approver", "required_sign_offs": 1, "approved_by": ["ann@acme.test"],
                               "rejected_by": []}
    assert evidence.params == {"signer_role": "approver", "required_sign_offs": 1}
    event = AuditEvent.objects.get(action="signoff.approve")
    assert event.object_id == str(sign_off.pk) and event.actor_user == approver.user
