"""Deciding criteria. Every decision (an evaluation, a sign-off, a waiver and its revocation, a
change to a criterion) goes through `settle`, under the gate's row lock: it stores an Evaluation
per criterion (the evidence as it stood) and refreshes the gate's cached status."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from gates.models import Criterion, Evaluation, Gate, SignOff, Status
from gates.policy import role_label
from gates.rules import RuleError, RuleOutcome, registry
from gates.selectors import active_waiver, criteria_with_decisions
from vsm.errors import InvalidInput
from vsm.moments import moment_text, organization_zone
from vsm.tenancy.actor import Actor
from vsm.tenancy.tasks import enqueue

logger = logging.getLogger(__name__)


@dataclass
class _Decision:
    state: str
    outcome: str
    summary: str
    values: dict[str, Any] = field(default_factory=dict)


def _decide_manual(criterion: Criterion) -> _Decision:
    sign_offs = list(criterion.sign_offs.all())
    approved = [s.user_label for s in sign_offs if s.decision == SignOff.Decision.APPROVE]
    rejected = [s.user_label for s in sign_offs if s.decision == SignOff.Decision.REJECT]
    values = {"signer_role": criterion.signer_role, "required_sign_offs": criterion.required_sign_offs,
              "approved_by": approved, "rejected_by": rejected}
    if rejected:
        return _Decision(Status.FAILED, Evaluation.Outcome.NOT_MET, f"Rejected by {', '.join(rejected)}.", values)
    if len(approved) >= criterion.required_sign_offs:
        return _Decision(Status.MET, Evaluation.Outcome.MET, f"Approved by {', '.join(approved)}.", values)
    progress = f"{len(approved)} of {criterion.required_sign_offs} approvals"
    return _Decision(Status.PENDING, Evaluation.Outcome.NOT_MET,
                     f"{progress} by the {role_label(criterion.signer_role)} role.", values)


def _error(summary: str, **values: Any) -> _Decision:
    return _Decision(Status.FAILED, Evaluation.Outcome.ERROR, summary[:500], values)


def _decide_automated(gate: Gate, criterion: Criterion) -> _Decision:
    rule = registry.get(criterion.rule)
    if rule is None:
        return _error(f"Rule '{criterion.rule}' is not registered: this criterion cannot be evaluated.",
                      error="unknown_rule")
    try:
        registry.validate(criterion.rule, criterion.params)
        # A savepoint: a rule whose query fails must not poison the transaction holding the lock.
        with transaction.atomic():
            outcome = rule.evaluate(gate, criterion, dict(criterion.params))
    except InvalidInput as exc:
        return _error(f"The parameters of rule '{rule.key}' are no longer valid: {exc.message}", error="params")
    except RuleError as exc:
        return _error(f"Rule '{rule.key}' could not be evaluated: {exc}", error="rule_error")
    except Exception:
        logger.exception("gate rule crashed", extra={"rule": rule.key, "criterion": criterion.pk})
        return _error(f"Rule '{rule.key}' failed unexpectedly (the error was logged).", error="rule_crashed")
    if not isinstance(outcome, RuleOutcome):
        return _error(f"Rule '{rule.key}' returned {type(outcome).__name__}, not a RuleOutcome.", error="rule_broken")
    try:
        json.dumps(outcome.values, cls=DjangoJSONEncoder)
    except (TypeError, ValueError):
        return _error(f"Rule '{rule.key}' returned values that cannot be stored as evidence.", error="rule_broken")
    if outcome.met:
        return _Decision(Status.MET, Evaluation.Outcome.MET, outcome.summary, dict(outcome.values))
    state = Status.FAILED if outcome.failed else Status.PENDING
    return _Decision(state, Evaluation.Outcome.NOT_MET, outcome.summary, dict(outcome.values))


def _decide(gate: Gate, criterion: Criterion, *, now: datetime, actor: Actor, trigger: str
            ) -> tuple[_Decision, Evaluation]:
    """The criterion's state (never "waived": a waiver applies only while it lasts) and the
    evidence of the decision (which says "waived" while one applies)."""
    decision = _decide_manual(criterion) if criterion.is_manual else _decide_automated(gate, criterion)
    outcome, summary, values = decision.outcome, decision.summary, dict(decision.values)
    waiver = active_waiver(criterion, now) if decision.state != Status.MET else None
    if waiver is not None:
        outcome = Evaluation.Outcome.WAIVED
        until = moment_text(waiver.expires_at, zone=organization_zone(), name_zone=True)
        summary = f"Waived until {until}: {waiver.reason} ({decision.summary})"
        values["waiver"] = {"id": waiver.pk, "reason": waiver.reason, "expires_at": waiver.expires_at.isoformat(),
                            "granted_by": waiver.granted_by_label}
    params = criterion.params if not criterion.is_manual else {
        "signer_role": criterion.signer_role, "required_sign_offs": criterion.required_sign_offs}
    evaluation = Evaluation(
        organization_id=gate.organization_id, gate=gate, criterion=criterion, criterion_title=criterion.title,
        outcome=outcome, summary=summary[:500], values=values, rule=criterion.rule, params=params, trigger=trigger,
        evaluated_at=now, evaluated_by_user=actor.user, evaluated_by_label=actor.label[:254],
    )
    return decision, evaluation


def settle(gate: Gate, *, actor: Actor, trigger: str, criterion_ids: Sequence[int] | None = None) -> None:
    """Decide the criteria (every one of the gate's when `criterion_ids` is None), store the
    evidence and refresh the gate's status. The caller holds the gate's lock."""
    now = timezone.now()
    criteria = criteria_with_decisions().filter(gate=gate)
    if criterion_ids is not None:
        criteria = criteria.filter(pk__in=criterion_ids)
    criteria = list(criteria)
    evaluations = []
    for criterion in criteria:
        decision, evaluation = _decide(gate, criterion, now=now, actor=actor, trigger=trigger)
        evaluations.append(evaluation)
        criterion.state, criterion.summary, criterion.evaluated_at = decision.state, decision.summary[:500], now
    Evaluation.objects.bulk_create(evaluations)
    for criterion, evaluation in zip(criteria, evaluations, strict=True):
        criterion.latest_evaluation = evaluation
    Criterion.objects.bulk_update(criteria, ["state", "summary", "evaluated_at", "latest_evaluation"])
    refresh_status(gate, now)


def refresh_status(gate: Gate, now: datetime) -> None:
    """The gate's cached status and its summary of the criteria not met (with when their waivers
    end: "waived" is decided when read, since a waiver lapses by itself)."""
    from gates import tasks  # here, not at the top: the tasks module imports the services
    active = Q(waivers__revoked_at__isnull=True, waivers__expires_at__gt=now)
    rows = list(Criterion.objects.filter(gate=gate).annotate(waived_until=Max("waivers__expires_at", filter=active))
                .order_by("order", "id").values("id", "title", "state", "summary", "waived_until"))
    states = {row["state"] for row in rows}
    # An empty checklist is met: nothing on it is unmet.
    status = Status.MET if states <= {Status.MET} else Status.FAILED if Status.FAILED in states else Status.PENDING
    changed = status != gate.status
    gate.status, gate.evaluated_at = status, now
    gate.unmet = [row for row in rows if row["state"] != Status.MET]
    gate.save(update_fields=["status", "unmet", "evaluated_at"])
    if changed:
        enqueue(tasks.reevaluate_dependent_gates, org_id=gate.organization_id, gate_id=gate.pk)
