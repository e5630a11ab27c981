"""Gates and their criteria: creation (as other apps and templates do it), changes, evaluation
with its evidence (append-only), and re-evaluation of the gates that depend on a gate."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from gates import services
from gates.models import Criterion, Evaluation, Gate, GateKind, Status
from tests.gates.factories import CriterionFactory, EvaluationFactory, GateFactory, SignOffFactory
from vsm.audit.models import AuditEvent
from vsm.errors import InvalidInput, NotFound, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

MANUAL = {"title": "Business sign-off", "type": "manual", "signer_role": "approver", "required_sign_offs": 2}
CI_CHECK = {"title": "Integration tests passed", "type": "automated", "rule": "ci_result_reported",
            "params": {"name": "integration", "subject_from_context": "release_version"}}


def test_gate_create_makes_the_criteria_in_order_and_decides_them(in_a, org_a, org_b, manager, actor_of):
    owner = actor_of(Role.RELEASE_MANAGER).user
    GateFactory(organization=org_b, name="Go-live")
    gate = services.gate_create(actor=manager, name=" Go-live ", kind=GateKind.EXIT, owner=owner,
                                context={"release_version": "2.4.0"}, criteria=[MANUAL, CI_CHECK])
    assert (gate.name, gate.kind, gate.owner, gate.status) == ("Go-live", "exit", owner, Status.PENDING)
    criteria = list(gate.criteria.all())
    assert [(c.order, c.title, c.type) for c in criteria] == [
        (1, "Business sign-off", "manual"), (2, "Integration tests passed", "automated")]
    assert criteria[0].required_sign_offs == 2 and criteria[1].params == CI_CHECK["params"]
    assert Evaluation.objects.filter(gate=gate, trigger="created").count() == 2
    created = AuditEvent.objects.get(action="gate.created")
    assert [c["title"] for c in created.after["criteria"]] == ["Business sign-off", "Integration tests passed"]


def test_a_gate_without_criteria_is_met(in_a, manager):
    assert services.gate_create(actor=manager, name="Nothing to check").status == Status.MET


@pytest.mark.parametrize("criterion, field", [
    ({**MANUAL, "title": ""}, "criteria[1].title"),
    ({**MANUAL, "type": "sometimes"}, "criteria[1].type"),
    ({**MANUAL, "signer_role": ""}, "criteria[1].signer_role"),
    ({**MANUAL, "signer_role": "pope"}, "criteria[1].signer_role"),
    ({**MANUAL, "required_sign_offs": 0}, "criteria[1].required_sign_offs"),
    ({**MANUAL, "required_sign_offs": True}, "criteria[1].required_sign_offs"),
    ({**MANUAL, "rule": "ci_result_reported"}, "criteria[1].rule"),
    ({**CI_CHECK, "signer_role": "approver"}, "criteria[1].signer_role"),
    ({**CI_CHECK, "rule": ""}, "criteria[1].rule"),
    ({**CI_CHECK, "rule": "no_such_rule"}, "criteria[1].rule"),
    ({**CI_CHECK, "params": {"subject": "x"}}, "criteria[1].params"),
    ({**CI_CHECK, "params": ["not", "an", "object"]}, "criteria[1].params"),
    ({**CI_CHECK, "order": -1}, "criteria[1].order"),
])
def test_gate_create_names_the_criterion_field_at_fault(in_a, manager, criterion, field):
    with pytest.raises(InvalidInput) as refused:
        services.gate_create(actor=manager, name="Go-live", criteria=[MANUAL, criterion])
    assert list(refused.value.fields) == [field]
    assert not Gate.objects.exists()


@pytest.mark.parametrize("changes, field", [
    ({"name": ""}, "name"), ({"kind": "sideways"}, "kind"), ({"context": ["x"]}, "context"),
])
def test_gate_create_names_the_gate_field_at_fault(in_a, manager, changes, field):
    with pytest.raises(InvalidInput) as refused:
        services.gate_create(actor=manager, **{"name": "Go-live", **changes})
    assert list(refused.value.fields) == [field]


def test_the_owner_must_be_a_member_of_the_organization(in_a, org_b, manager, member_factory):
    outsider = member_factory(Role.OWNER, org=org_b)
    with pytest.raises(InvalidInput) as refused:
        services.gate_create(actor=manager, name="Go-live", owner=outsider)
    assert list(refused.value.fields) == ["owner"]


@pytest.mark.parametrize("role", [Role.APPROVER, Role.ENGINEER, Role.VIEWER])
def test_only_release_managers_and_above_shape_gates(in_a, org_a, actor_of, role):
    actor = actor_of(role)
    gate = GateFactory(organization=org_a)
    criterion = CriterionFactory(organization=org_a, gate=gate)
    for attempt in (
        lambda: services.gate_create(actor=actor, name="x"),
        lambda: services.criterion_add(actor=actor, gate=gate, title="x", type="manual", signer_role="approver"),
        lambda: services.criterion_update(actor=actor, criterion=criterion, title="y"),
        lambda: services.criterion_remove(actor=actor, criterion=criterion),
    ):
        with pytest.raises(PermissionRefused):
            attempt()


# --- criteria ----------------------------------------------------------------------------------

def test_adding_a_criterion_to_a_met_gate_makes_it_pending(in_a, manager):
    gate = services.gate_create(actor=manager, name="Go-live")
    first = services.criterion_add(actor=manager, gate=gate, title="CAB", type="manual", signer_role="approver")
    second = services.criterion_add(actor=manager, gate=gate, title="Docs", type="manual", signer_role="approver")
    gate.refresh_from_db()
    assert gate.status == Status.PENDING and (first.order, second.order) == (1, 2)
    assert AuditEvent.objects.filter(action="criterion.created").count() == 2


def test_lowering_the_required_approvals_decides_the_criterion_again(in_a, org_a, manager, actor_of):
    criterion = CriterionFactory(organization=org_a, required_sign_offs=2)
    services.gate_sign_off(actor=actor_of(Role.APPROVER), criterion=criterion, decision="approve")
    updated = services.criterion_update(actor=manager, criterion=criterion, required_sign_offs=1, title="CAB")
    assert updated.state == Status.MET and updated.title == "CAB"
    assert updated.latest_evaluation.trigger == Evaluation.Trigger.CRITERION_CHANGED
    event = AuditEvent.objects.get(action="criterion.updated")
    assert event.before["required_sign_offs"] == 2 and event.after["required_sign_offs"] == 1


def test_an_update_that_changes_nothing_writes_nothing(in_a, org_a, manager):
    criterion = CriterionFactory(organization=org_a, title="CAB")
    services.criterion_update(actor=manager, criterion=criterion, title="CAB")
    assert not AuditEvent.objects.filter(action="criterion.updated").exists()
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize("changes, field", [
    ({"type": "automated"}, "type"), ({"title": " "}, "title"), ({"signer_role": "nobody"}, "signer_role"),
    ({"rule": "ci_result_reported"}, "rule"),
])
def test_an_update_names_the_field_at_fault_and_changes_nothing(in_a, org_a, manager, changes, field):
    criterion = CriterionFactory(organization=org_a, title="CAB")
    with pytest.raises(InvalidInput) as refused:
        services.criterion_update(actor=manager, criterion=criterion, **changes)
    assert list(refused.value.fields) == [field]
    criterion.refresh_from_db()
    assert criterion.title == "CAB" and criterion.type == "manual" and criterion.rule == ""


def test_removing_the_last_unmet_criterion_meets_the_gate_and_keeps_the_evidence(in_a, org_a, manager, actor_of):
    gate = services.gate_create(actor=manager, name="Go-live", criteria=[MANUAL, {**MANUAL, "title": "Ops"}])
    first, second = gate.criteria.all()
    services.criterion_update(actor=manager, criterion=first, required_sign_offs=1)
    services.gate_sign_off(actor=actor_of(Role.APPROVER), criterion=first, decision="approve")
    SignOffFactory(organization=org_a, criterion=second, user_label="sam@acme.test")
    services.criterion_remove(actor=manager, criterion=second)
    gate.refresh_from_db()
    assert gate.status == Status.MET and list(gate.criteria.all()) == [first]
    assert Evaluation.objects.filter(criterion_id=second.pk).exists()
    assert "sam@acme.test: approve" in AuditEvent.objects.get(action="criterion.deleted").message
    with pytest.raises(NotFound):
        services.criterion_remove(actor=manager, criterion=second)


# --- evaluation and its evidence ---------------------------------------------------------------

def test_evaluate_records_one_evaluation_per_criterion_with_who_and_why(in_a, org_a, org_b, manager):
    gate = services.gate_create(actor=manager, name="Go-live", context={"release_version": "2.4.0"},
                                criteria=[MANUAL, CI_CHECK])
    before = Evaluation.objects.count()
    services.gate_evaluate(actor=Actor(role=Role.ENGINEER), gate=gate)
    fresh = list(Evaluation.objects.filter(gate=gate).order_by("-id")[:2])
    assert Evaluation.objects.count() == before + 2
    assert {e.criterion_title for e in fresh} == {"Business sign-off", "Integration tests passed"}
    assert {(e.trigger, e.evaluated_by_label, e.evaluated_by_user_id) for e in fresh} == {
        ("evaluated", "system:sluice", None)}
    assert AuditEvent.objects.filter(action="gate.evaluated", object_id=str(gate.pk)).count() == 1


@pytest.mark.parametrize("statement", [
    f"UPDATE {Evaluation._meta.db_table} SET summary = 'rewritten'",
    f"DELETE FROM {Evaluation._meta.db_table}",
])
def test_evidence_is_append_only_in_the_database(in_a, org_a, org_b, statement):
    EvaluationFactory(organization=org_a, summary="as it was")
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert Evaluation.objects.get().summary == "as it was"


def _depends_on(manager, name, **params_or_context):
    context = params_or_context.pop("context", {})
    return services.gate_create(actor=manager, name=name, context=context, criteria=[{
        "title": f"{name}: previous gate met", "type": "automated", "rule": "criteria_of_gate_met",
        "params": params_or_context}])


def test_a_gate_that_changes_status_re_evaluates_the_gates_that_depend_on_it(
        in_a, org_a, org_b, manager, actor_of, django_capture_on_commit_callbacks):
    previous = services.gate_create(actor=manager, name="SIT exit", criteria=[{**MANUAL, "required_sign_offs": 1}])
    bystander = services.gate_create(actor=manager, name="Bystander")
    follower = _depends_on(manager, "UAT entry", gate_id_from_context="previous_gate_id",
                           context={"previous_gate_id": previous.pk})
    literal = _depends_on(manager, "Literal", gate_id=previous.pk)
    chained = _depends_on(manager, "Chained", gate_id_from_context="previous_gate_id",
                          context={"previous_gate_id": follower.pk})
    unrelated = _depends_on(manager, "Unrelated", gate_id_from_context="previous_gate_id",
                            context={"previous_gate_id": bystander.pk})
    assert follower.status == literal.status == chained.status == Status.PENDING
    unrelated_evaluations = Evaluation.objects.filter(gate=unrelated).count()

    with django_capture_on_commit_callbacks(execute=True):
        services.gate_sign_off(actor=actor_of(Role.APPROVER), criterion=previous.criteria.get(), decision="approve")

    for gate in (follower, literal, chained):
        gate.refresh_from_db()
    # The follower met in turn, so the gate depending on the follower was evaluated as well.
    assert (follower.status, literal.status, chained.status) == (Status.MET, Status.MET, Status.MET)
    assert Criterion.objects.get(gate=follower).latest_evaluation.trigger == Evaluation.Trigger.DEPENDENCY
    assert Criterion.objects.get(gate=chained).latest_evaluation.evaluated_by_label == "system:gate-dependency"
    assert Evaluation.objects.filter(gate=unrelated).count() == unrelated_evaluations
