"""Segregation of duties cannot be edited away: a change of a criterion's signer role, a gate's
owner or the gate policy is refused to the person it would let sign (and the attempt audited),
and withdraws the sign-offs given under the old rules."""

from __future__ import annotations

import pytest

from gates import services
from gates.models import Evaluation, Gate, GatePolicy, SignOff, Status
from tests.gates.factories import CriterionFactory, GateFactory, GatePolicyFactory
from vsm.audit.models import AuditEvent
from vsm.errors import PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs/acme"


def sign(actor, criterion, decision="approve"):
    return services.gate_sign_off(actor=actor, criterion=criterion, decision=decision)


# --- the walk-around of the review ---------------------------------------------------------------

def test_the_three_step_walk_around_through_the_api_is_refused(org_a, org_b, api_as, member_factory):
    rm = api_as(Role.RELEASE_MANAGER, email="rm@acme.test")
    someone_else = member_factory(Role.RELEASE_MANAGER, email="rm2@acme.test")
    with tenant_context(org_a):
        gate = GateFactory(organization=org_a, owner=rm.user, name="Go-live")
        criterion = CriterionFactory(organization=org_a, gate=gate, title="CAB approval", signer_role=Role.APPROVER)
    # 1. The criterion becomes the release manager's to sign: still not theirs, they own the gate.
    step1 = rm.patch(f"{API}/criteria/{criterion.pk}/", {"signer_role": "release_manager"}, format="json")
    assert step1.status_code == 200, step1.content
    # 2. Handing the gate to someone else would let them sign: refused, naming why and the field.
    step2 = rm.patch(f"{API}/gates/{gate.pk}/", {"owner": someone_else.email}, format="json")
    assert step2.status_code == 403, step2.content
    error = step2.json()["error"]
    assert "Segregation of duties" in error["message"] and "'CAB approval'" in error["message"]
    assert "owner" in error["fields"]
    # 3. So the sign-off is still refused, and the gate is not met.
    step3 = rm.post(f"{API}/criteria/{criterion.pk}/sign-offs/", {"decision": "approve"}, format="json")
    assert step3.status_code == 403
    with tenant_context(org_a):
        assert Gate.objects.get(pk=gate.pk).owner == rm.user
        assert Gate.objects.get(pk=gate.pk).status != Status.MET
        refused = AuditEvent.objects.get(action="gate.update_refused")
        assert (refused.actor_user, refused.object_id, refused.after["owner_id"]) == (
            rm.user, str(gate.pk), someone_else.pk)
        assert not AuditEvent.objects.filter(action="gate.updated").exists()


def test_the_walk_around_in_the_other_order_is_refused_at_the_signer_role(org_a, org_b, api_as, member_factory):
    rm = api_as(Role.RELEASE_MANAGER, email="rm@acme.test")
    someone_else = member_factory(Role.RELEASE_MANAGER, email="rm2@acme.test")
    with tenant_context(org_a):
        gate = GateFactory(organization=org_a, owner=rm.user)
        criterion = CriterionFactory(organization=org_a, gate=gate, signer_role=Role.APPROVER)
    assert rm.patch(f"{API}/gates/{gate.pk}/", {"owner": someone_else.email}, format="json").status_code == 200
    refused = rm.patch(f"{API}/criteria/{criterion.pk}/", {"signer_role": "release_manager"}, format="json")
    assert refused.status_code == 403 and "signer_role" in refused.json()["error"]["fields"]
    with tenant_context(org_a):
        criterion.refresh_from_db()
        assert criterion.signer_role == Role.APPROVER
        assert AuditEvent.objects.filter(action="criterion.update_refused", object_id=str(criterion.pk)).exists()


def test_a_release_manager_may_not_make_a_criterion_their_own_to_sign(org_a, in_a, manager):
    criterion = CriterionFactory(organization=org_a, signer_role=Role.APPROVER)
    with pytest.raises(PermissionRefused, match="Segregation of duties"):
        services.criterion_update(actor=manager, criterion=criterion, signer_role=Role.RELEASE_MANAGER)


def test_an_admin_may_not_hand_away_a_gate_they_stand_in_for(org_a, in_a, actor_of):
    admin = actor_of(Role.ADMIN)
    gate = GateFactory(organization=org_a, owner=admin.user)
    CriterionFactory(organization=org_a, gate=gate, signer_role=Role.APPROVER)
    with pytest.raises(PermissionRefused, match="Segregation of duties"):
        services.gate_update(actor=admin, gate=gate, owner=actor_of(Role.RELEASE_MANAGER).user)


def test_edits_that_let_someone_else_sign_are_allowed(org_a, in_a, manager, actor_of):
    gate = GateFactory(organization=org_a, owner=manager.user)
    criterion = CriterionFactory(organization=org_a, gate=gate, signer_role=Role.APPROVER)
    services.criterion_update(actor=manager, criterion=criterion, signer_role=Role.ENVIRONMENT_MANAGER)
    other = actor_of(Role.RELEASE_MANAGER).user
    services.gate_update(actor=manager, gate=gate, owner=other)
    assert Gate.objects.get(pk=gate.pk).owner == other
    assert not AuditEvent.objects.filter(action__endswith="update_refused").exists()


def test_an_edit_by_a_token_is_not_refused_since_a_token_never_signs(org_a, in_a, actor_of):
    gate = GateFactory(organization=org_a, owner=actor_of(Role.RELEASE_MANAGER).user)
    criterion = CriterionFactory(organization=org_a, gate=gate)
    services.criterion_update(actor=Actor(role=Role.RELEASE_MANAGER), criterion=criterion,
                              signer_role=Role.RELEASE_MANAGER)


# --- sign-offs given under the old rules are withdrawn -------------------------------------------

def test_a_new_owner_withdraws_the_gates_sign_offs_and_decides_it_again(org_a, in_a, manager, actor_of):
    gate = GateFactory(organization=org_a, owner=actor_of(Role.RELEASE_MANAGER).user)
    cab = CriterionFactory(organization=org_a, gate=gate, title="CAB")
    qa = CriterionFactory(organization=org_a, gate=gate, title="QA")
    approver = actor_of(Role.APPROVER)
    sign(approver, cab)
    sign(approver, qa)
    assert Gate.objects.get(pk=gate.pk).status == Status.MET
    services.gate_update(actor=manager, gate=gate, owner=approver.user)
    gate.refresh_from_db()
    assert (gate.status, gate.owner) == (Status.PENDING, approver.user)
    assert not SignOff.objects.filter(criterion__gate=gate).exists()
    reset = AuditEvent.objects.get(action="gate.sign_offs_reset")
    assert (reset.object_id, reset.actor_user) == (str(gate.pk), manager.user)
    assert [(s["criterion"], s["user_label"], s["decision"]) for s in reset.before["sign_offs"]] == [
        ("CAB", approver.user.email, "approve"), ("QA", approver.user.email, "approve")]
    assert "owner changed" in reset.message
    assert Evaluation.objects.filter(gate=gate, trigger=Evaluation.Trigger.DUTIES_CHANGED).count() == 2
    assert AuditEvent.objects.filter(action="gate.updated").exists()
    # The approver now owns the gate: the withdrawn sign-off cannot simply be given again.
    with pytest.raises(PermissionRefused, match="you own"):
        sign(approver, cab)


def test_a_new_owner_of_a_gate_nobody_signed_withdraws_nothing(org_a, in_a, manager, actor_of):
    gate = GateFactory(organization=org_a, owner=manager.user)
    CriterionFactory(organization=org_a, gate=gate)
    services.gate_update(actor=manager, gate=gate, owner=actor_of(Role.ENGINEER).user)
    assert not AuditEvent.objects.filter(action="gate.sign_offs_reset").exists()
    assert not Evaluation.objects.filter(trigger=Evaluation.Trigger.DUTIES_CHANGED).exists()


def test_a_new_signer_role_withdraws_that_criterions_sign_offs(org_a, in_a, manager, actor_of):
    gate = GateFactory(organization=org_a, owner=manager.user)
    cab = CriterionFactory(organization=org_a, gate=gate, title="CAB")
    qa = CriterionFactory(organization=org_a, gate=gate, title="QA")
    approver = actor_of(Role.APPROVER)
    sign(approver, cab)
    sign(approver, qa)
    services.criterion_update(actor=manager, criterion=cab, signer_role=Role.ENGINEER)
    cab.refresh_from_db()
    assert (cab.state, cab.signer_role) == (Status.PENDING, Role.ENGINEER)
    assert list(SignOff.objects.values_list("criterion__title", flat=True)) == ["QA"]
    assert Gate.objects.get(pk=gate.pk).status == Status.PENDING
    reset = AuditEvent.objects.get(action="gate.sign_offs_reset")
    assert [s["criterion"] for s in reset.before["sign_offs"]] == ["CAB"] and "signer role" in reset.message


def test_other_changes_to_a_criterion_keep_its_sign_offs(org_a, in_a, manager, actor_of):
    gate = GateFactory(organization=org_a, owner=manager.user)
    criterion = CriterionFactory(organization=org_a, gate=gate, required_sign_offs=2)
    sign(actor_of(Role.APPROVER), criterion)
    services.criterion_update(actor=manager, criterion=criterion, title="CAB (renamed)", required_sign_offs=1)
    assert SignOff.objects.count() == 1 and not AuditEvent.objects.filter(action="gate.sign_offs_reset").exists()


# --- the gate policy -----------------------------------------------------------------------------

def test_letting_owners_sign_is_refused_to_an_owner_of_an_open_gate(org_a, org_b, api_as):
    admin = api_as(Role.ADMIN, email="admin@acme.test")
    other_admin = api_as(Role.ADMIN, email="admin2@acme.test")
    with tenant_context(org_a):
        CriterionFactory(organization=org_a, gate=GateFactory(organization=org_a, owner=admin.user), title="CAB")
    refused = admin.patch(f"{API}/gate-policy/", {"allow_owner_sign_off": True}, format="json")
    assert refused.status_code == 403 and "'CAB'" in refused.json()["error"]["message"]
    assert "allow_owner_sign_off" in refused.json()["error"]["fields"]
    with tenant_context(org_a):
        assert not GatePolicy.objects.filter(allow_owner_sign_off=True).exists()
        assert AuditEvent.objects.filter(action="gatepolicy.update_refused", actor_user=admin.user).exists()
    # Someone who would not gain a signature may; and other settings stay open to the owner.
    assert other_admin.patch(f"{API}/gate-policy/", {"allow_owner_sign_off": True}, format="json").status_code == 200
    assert admin.patch(f"{API}/gate-policy/", {"waiver_roles": ["admin"]}, format="json").status_code == 200


def test_a_met_gate_does_not_stand_in_the_way_of_the_policy(org_a, in_a, actor_of):
    admin = actor_of(Role.ADMIN)
    gate = GateFactory(organization=org_a, owner=admin.user, status=Status.MET)
    CriterionFactory(organization=org_a, gate=gate, state=Status.MET)
    assert services.gate_policy_update(actor=admin, allow_owner_sign_off=True).allow_owner_sign_off is True


def test_forbidding_owners_to_sign_withdraws_their_sign_offs_on_open_gates(org_a, in_a, actor_of):
    GatePolicyFactory(organization=org_a, allow_owner_sign_off=True)
    owner, approver = actor_of(Role.APPROVER), actor_of(Role.APPROVER)
    gate = GateFactory(organization=org_a, owner=owner.user)
    cab = CriterionFactory(organization=org_a, gate=gate, title="CAB")
    qa = CriterionFactory(organization=org_a, gate=gate, title="QA")
    CriterionFactory(organization=org_a, gate=gate, title="Runbook")  # keeps the gate open
    sign(owner, cab)
    sign(approver, qa)
    elsewhere = GateFactory(organization=org_a, owner=approver.user)
    other = CriterionFactory(organization=org_a, gate=elsewhere, title="Elsewhere")
    sign(owner, other)
    services.gate_policy_update(actor=actor_of(Role.ADMIN), allow_owner_sign_off=False)
    assert sorted(SignOff.objects.values_list("criterion__title", "user_label")) == [
        ("Elsewhere", owner.user.email), ("QA", approver.user.email)]
    cab.refresh_from_db()
    assert cab.state == Status.PENDING
    reset = AuditEvent.objects.get(action="gate.sign_offs_reset")
    assert reset.object_id == str(gate.pk) and [s["criterion"] for s in reset.before["sign_offs"]] == ["CAB"]


# --- pages ---------------------------------------------------------------------------------------

def test_the_gate_page_refuses_handing_away_a_gate_and_says_why(org_a, org_b, member_factory, client):
    rm = member_factory(Role.RELEASE_MANAGER, email="rm@acme.test")
    member_factory(Role.RELEASE_MANAGER, email="rm2@acme.test")
    with tenant_context(org_a):
        gate = GateFactory(organization=org_a, owner=rm, name="Go-live")
        CriterionFactory(organization=org_a, gate=gate, signer_role=Role.RELEASE_MANAGER, title="Runbook")
    client.force_login(rm)
    response = client.post(f"/o/{org_a.slug}/gates/{gate.pk}/edit/", {
        "name": "Go-live", "owner": "rm2@acme.test", "context": "{}"})
    assert response.status_code == 403 and "Segregation of duties" in response.content.decode()
    with tenant_context(org_a):
        assert Gate.objects.get(pk=gate.pk).owner == rm
