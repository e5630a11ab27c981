"""The summary of unmet criteria a gate keeps with its status: read by the deployment check on
every request instead of the criteria, it must say what the criteria say, waivers included."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gates import services
from gates.models import WAIVED, Gate, Status
from gates.selectors import unmet_criteria
from tests.gates.factories import CriterionFactory, GateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gate(org_a, org_b, in_a, manager):
    return services.gate_create(actor=manager, name="UAT exit", criteria=[
        {"title": "Business sign-off", "type": "manual", "signer_role": "approver"},
        {"title": "Pen test", "type": "manual", "signer_role": "approver"}])


def seen(gate_id: int, now=None) -> list[tuple[str, str]]:
    gate = Gate.objects.get(pk=gate_id)
    return [(c["title"], c["state"]) for c in unmet_criteria(gates=[gate], now=now)[gate.pk]]


def test_the_summary_follows_sign_offs_and_waivers_and_a_waiver_lapses_by_itself(gate, manager, actor_of):
    assert seen(gate.pk) == [("Business sign-off", "pending"), ("Pen test", "pending")]
    business, pen_test = gate.criteria.order_by("order")
    services.gate_sign_off(actor=actor_of(), criterion=business, decision="approve")
    expiry = timezone.now() + timedelta(days=2)
    services.criterion_waive(actor=manager, criterion=pen_test, reason="Accepted by the CISO", expires_at=expiry)
    assert seen(gate.pk) == [("Pen test", WAIVED)]
    # Waived is not met; once the waiver has expired the criterion shows its own state again.
    assert Gate.objects.get(pk=gate.pk).status == Status.PENDING
    assert seen(gate.pk, now=expiry + timedelta(seconds=1)) == [("Pen test", "pending")]


def test_a_met_gate_has_nothing_unmet(gate, actor_of):
    for criterion in gate.criteria.all():
        services.gate_sign_off(actor=actor_of(), criterion=criterion, decision="approve")
    assert Gate.objects.get(pk=gate.pk).status == Status.MET and seen(gate.pk) == []


def test_a_gate_never_settled_since_the_summary_exists_asks_its_criteria(org_a, in_a):
    unsummarized = GateFactory(organization=org_a, status=Status.FAILED, unmet=None)
    CriterionFactory(organization=org_a, gate=unsummarized, title="Legacy check", state=Status.FAILED)
    CriterionFactory(organization=org_a, gate=unsummarized, title="Done", state=Status.MET)
    assert seen(unsummarized.pk) == [("Legacy check", "failed")]
