"""Waivers: granted by a role the policy allows, with a reason and an expiry in the future;
waived is not met; an expired waiver stops applying by itself; a revoked one at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gates import services
from gates.models import WAIVED, Evaluation, Status, Waiver
from gates.selectors import gate_checklist
from tests.gates.factories import CriterionFactory, GatePolicyFactory, WaiverFactory
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def criterion(org_a, org_b):
    return CriterionFactory(organization=org_a, title="Pen test report")


def tomorrow():
    return timezone.now() + timedelta(days=1)


def waive(actor, criterion, reason="Risk accepted by the CISO", expires_at=None):
    return services.criterion_waive(actor=actor, criterion=criterion, reason=reason,
                                    expires_at=expires_at or tomorrow())


def shown_state(criterion, actor) -> str:
    checklist = gate_checklist(gate_id=criterion.gate_id, actor=actor)
    return next(item.state for item in checklist.items if item.criterion.pk == criterion.pk)


def test_waived_is_shown_as_waived_and_is_not_met(in_a, criterion, manager):
    waiver = waive(manager, criterion)
    criterion.refresh_from_db()
    criterion.gate.refresh_from_db()
    assert criterion.state == Status.PENDING and criterion.gate.status == Status.PENDING
    assert shown_state(criterion, manager) == WAIVED
    evidence = criterion.latest_evaluation
    assert evidence.outcome == Evaluation.Outcome.WAIVED and evidence.trigger == Evaluation.Trigger.WAIVED
    assert evidence.values["waiver"]["id"] == waiver.pk and evidence.values["waiver"]["reason"] == waiver.reason


def test_a_waived_rejected_criterion_keeps_the_gate_failed(in_a, org_a, criterion, manager, actor_of):
    services.gate_sign_off(actor=actor_of(Role.APPROVER), criterion=criterion, decision="reject")
    waive(manager, criterion)
    criterion.gate.refresh_from_db()
    assert criterion.gate.status == Status.FAILED and shown_state(criterion, manager) == WAIVED


def test_an_expired_waiver_no_longer_applies(in_a, org_a, criterion, manager):
    WaiverFactory(organization=org_a, criterion=criterion, expires_at=timezone.now() - timedelta(minutes=1))
    assert shown_state(criterion, manager) == Status.PENDING
    services.gate_evaluate(actor=manager, gate=criterion.gate)
    criterion.refresh_from_db()
    assert criterion.latest_evaluation.outcome == Evaluation.Outcome.NOT_MET
    assert "waiver" not in criterion.latest_evaluation.values


def test_a_waiver_stops_applying_the_moment_it_expires(in_a, org_a, criterion, manager, monkeypatch):
    expiry = timezone.now() + timedelta(hours=2)
    waive(manager, criterion, expires_at=expiry)
    assert shown_state(criterion, manager) == WAIVED
    # A fixed clock just past the expiry: nothing was written in between, yet the waiver is gone.
    monkeypatch.setattr(timezone, "now", lambda: expiry + timedelta(seconds=1))
    assert shown_state(criterion, manager) == Status.PENDING
    # And a new waiver may be granted, the old one no longer being in the way.
    waive(manager, criterion, expires_at=expiry + timedelta(days=1))
    assert shown_state(criterion, manager) == WAIVED


def test_revoking_ends_the_waiver_now_and_keeps_it_on_record(in_a, criterion, manager):
    waiver = waive(manager, criterion)
    revoked = services.waiver_revoke(actor=manager, waiver=waiver)
    assert revoked.revoked_at is not None and revoked.revoked_by_label == manager.label
    assert shown_state(criterion, manager) == Status.PENDING
    criterion.refresh_from_db()
    assert criterion.latest_evaluation.trigger == Evaluation.Trigger.WAIVER_REVOKED
    assert criterion.latest_evaluation.outcome == Evaluation.Outcome.NOT_MET
    again = services.waiver_revoke(actor=manager, waiver=waiver)
    assert again.revoked_at == revoked.revoked_at and Waiver.objects.count() == 1


@pytest.mark.parametrize("role, allowed", [
    (Role.OWNER, True), (Role.ADMIN, True), (Role.RELEASE_MANAGER, True),
    (Role.APPROVER, False), (Role.ENGINEER, False), (Role.VIEWER, False), (Role.ENVIRONMENT_MANAGER, False),
])
def test_by_default_the_roles_with_the_waive_permission_may_waive(in_a, criterion, actor_of, role, allowed):
    actor = actor_of(role)
    if allowed:
        waive(actor, criterion)
    else:
        with pytest.raises(PermissionRefused, match="may not waive"):
            waive(actor, criterion)
    assert Waiver.objects.count() == int(allowed)


def test_the_policy_decides_who_may_waive(in_a, org_a, org_b, criterion, actor_of):
    GatePolicyFactory(organization=org_a, waiver_roles=[Role.APPROVER])
    GatePolicyFactory(organization=org_b, waiver_roles=[Role.RELEASE_MANAGER])
    with pytest.raises(PermissionRefused):
        waive(actor_of(Role.RELEASE_MANAGER), criterion)
    waiver = waive(actor_of(Role.APPROVER), criterion)
    with pytest.raises(PermissionRefused):
        services.waiver_revoke(actor=actor_of(Role.RELEASE_MANAGER), waiver=waiver)


def test_an_api_token_cannot_waive(in_a, criterion):
    with pytest.raises(PermissionRefused, match="person"):
        waive(Actor(role=Role.OWNER), criterion)


@pytest.mark.parametrize("reason, expires_in, field", [
    ("", timedelta(days=1), "reason"),
    ("   ", timedelta(days=1), "reason"),
    ("ok", -timedelta(seconds=1), "expires_at"),
    ("ok", timedelta(0), "expires_at"),
])
def test_a_waiver_needs_a_reason_and_a_future_expiry(in_a, criterion, manager, reason, expires_in, field):
    with pytest.raises(InvalidInput) as refused:
        waive(manager, criterion, reason=reason, expires_at=timezone.now() + expires_in)
    assert list(refused.value.fields) == [field] and not Waiver.objects.exists()


def test_a_naive_expiry_is_refused(in_a, criterion, manager):
    with pytest.raises(InvalidInput) as refused:
        waive(manager, criterion, expires_at=tomorrow().replace(tzinfo=None))
    assert list(refused.value.fields) == ["expires_at"]


def test_one_waiver_at_a_time_and_none_on_a_met_criterion(in_a, org_a, criterion, manager):
    first = waive(manager, criterion)
    with pytest.raises(Conflict) as refused:
        waive(manager, criterion)
    assert refused.value.details["conflicts_with"] == [f"waiver:{first.pk}"]
    met = CriterionFactory(organization=org_a, state=Status.MET)
    with pytest.raises(Conflict, match="nothing to waive"):
        waive(manager, met)
