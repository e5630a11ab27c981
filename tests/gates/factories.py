"""Factories of the gates app. Rows are written directly, not through the services, so tests can
set up states the services would refuse (a waiver that has already expired)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from gates.models import CIResult, Criterion, Evaluation, Gate, GateKind, GatePolicy, SignOff, Waiver
from tests.factories import TenantFactory, UserFactory, same_org
from vsm.tenancy.roles import Role


class GateFactory(TenantFactory):
    class Meta:
        model = Gate

    name = factory.Sequence(lambda n: f"Gate {n}")
    kind = GateKind.CUSTOM


class CriterionFactory(TenantFactory):
    """A manual criterion an approver signs off."""

    class Meta:
        model = Criterion

    gate = same_org(GateFactory)
    order = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Criterion {n}")
    type = Criterion.Type.MANUAL
    signer_role = Role.APPROVER
    required_sign_offs = 1


class AutomatedCriterionFactory(CriterionFactory):
    type = Criterion.Type.AUTOMATED
    signer_role = ""
    rule = "ci_result_reported"
    params = factory.LazyFunction(lambda: {"name": "unit-tests", "subject": "1.0.0"})


class SignOffFactory(TenantFactory):
    class Meta:
        model = SignOff

    criterion = same_org(CriterionFactory)
    user = factory.SubFactory(UserFactory)
    user_label = factory.LazyAttribute(lambda o: o.user.email)
    role = Role.APPROVER
    decision = SignOff.Decision.APPROVE


class WaiverFactory(TenantFactory):
    class Meta:
        model = Waiver

    criterion = same_org(CriterionFactory)
    reason = "Risk accepted until the fix ships"
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    granted_by = factory.SubFactory(UserFactory)
    granted_by_label = factory.LazyAttribute(lambda o: o.granted_by.email)


class CIResultFactory(TenantFactory):
    class Meta:
        model = CIResult

    name = "unit-tests"
    subject = "1.0.0"
    passed = True
    reporter_label = "token:ci"


class EvaluationFactory(TenantFactory):
    class Meta:
        model = Evaluation

    gate = same_org(GateFactory)
    criterion = same_org(CriterionFactory, gate=factory.SelfAttribute("..gate"))
    criterion_title = factory.LazyAttribute(lambda o: o.criterion.title)
    outcome = Evaluation.Outcome.NOT_MET
    summary = "0 of 1 approvals"
    trigger = Evaluation.Trigger.EVALUATED
    evaluated_by_label = "system:tests"


class GatePolicyFactory(TenantFactory):
    class Meta:
        model = GatePolicy
