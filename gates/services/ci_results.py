"""CI results: recorded idempotently, and the gates reading them evaluated again after commit.

The re-evaluation is owed until `gates_evaluated_at` is set: the task is only an accelerator, so
a report stored while the broker was down is paid by the periodic sweep instead."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from gates.builtin_rules import CI_RESULT_REPORTED
from gates.models import CIResult, Evaluation
from gates.selectors import criteria_referencing
from gates.services._common import require
from gates.services.checklists import reevaluate
from vsm.audit.services import audit_record, snapshot
from vsm.errors import Conflict, InvalidInput
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import cross_tenant
from vsm.tenancy.roles import Perm
from vsm.tenancy.tasks import enqueue

SWEEP_AFTER = timedelta(minutes=1)  # younger reports still have their own task on the way
SWEEP_WITHIN = timedelta(days=1)  # older debts are not chased: any later evaluation of the gate pays them


def ci_result_report(*, actor: Actor, name: str, subject: str, passed: bool, summary: str = "",
                     evidence_url: str = "", external_id: str = "") -> tuple[CIResult, bool]:
    """Record a CI result; returns it and whether it is new. The same `external_id` again updates
    the one row (a replayed request changes nothing). Gates whose criteria read results of this
    name are evaluated again after commit."""
    from gates import tasks  # here, not at the top: the tasks module imports the services
    require(actor, Perm.RECORD_DELIVERY)
    name, subject, external_id = (name or "").strip(), (subject or "").strip(), (external_id or "").strip()
    for field_name, value in (("name", name), ("subject", subject)):
        if not value or len(value) > 200:
            raise InvalidInput.field(field_name, f"A {field_name} of 1 to 200 characters is required.")
    if len(external_id) > 200:
        raise InvalidInput.field("external_id", "Keep the external id to 200 characters.")
    if evidence_url:
        try:
            URLValidator(schemes=["http", "https"])(evidence_url)
        except ValidationError:
            raise InvalidInput.field("evidence_url", "Give an http(s) URL.") from None
    reported = {"passed": bool(passed), "summary": summary or "", "evidence_url": evidence_url or ""}
    with transaction.atomic():
        existing = CIResult.objects.select_for_update().filter(external_id=external_id).first() if external_id else None
        if existing is None:
            try:
                with transaction.atomic():
                    result = CIResult.objects.create(
                        name=name, subject=subject, external_id=external_id, reported_by_user=actor.user,
                        reported_by_token=actor.token, reporter_label=actor.label[:254], **reported)
            except IntegrityError:
                # The same report arrived twice at once: the other request created it; this one replays it.
                existing = CIResult.objects.select_for_update().get(external_id=external_id)
            else:
                audit_record(actor=actor, action="ciresult.reported", instance=result, after=snapshot(result))
                enqueue(tasks.reevaluate_gates_for_ci_result, org_id=result.organization_id, ci_result_id=result.pk)
                return result, True
        if (existing.name, existing.subject) != (name, subject):
            raise Conflict(f"External id '{external_id}' was reported for '{existing.name}' on {existing.subject}.",
                           fields={"external_id": ["already used for another result"]},
                           conflicts_with=[f"ci_result:{existing.pk}"])
        if all(getattr(existing, key) == value for key, value in reported.items()):
            return existing, False
        before = snapshot(existing)
        for key, value in reported.items():
            setattr(existing, key, value)
        existing.reported_at = timezone.now()
        existing.gates_evaluated_at = None
        existing.save(update_fields=[*reported, "reported_at", "gates_evaluated_at"])
        audit_record(actor=actor, action="ciresult.updated", instance=existing, before=before,
                     after=snapshot(existing))
        enqueue(tasks.reevaluate_gates_for_ci_result, org_id=existing.organization_id, ci_result_id=existing.pk)
    return existing, False


def ci_result_reevaluate_gates(*, ci_result_id: int) -> int:
    """Evaluate the gates whose criteria read this result; safe to run twice."""
    result = CIResult.objects.filter(pk=ci_result_id).first()
    if result is None:
        return 0
    criteria = criteria_referencing(rule=CI_RESULT_REPORTED, literal="subject", from_context="subject_from_context",
                                    value=result.subject).filter(params__name=result.name)
    evaluated = reevaluate(set(criteria.values_list("gate_id", flat=True)), trigger=Evaluation.Trigger.CI_RESULT,
                           system="ci-result")
    # Paid only for the report as it was read: one updated meanwhile still owes its own evaluation.
    CIResult.objects.filter(pk=result.pk, reported_at=result.reported_at).update(gates_evaluated_at=timezone.now())
    return evaluated


def ci_results_sweep() -> int:
    """Queue the gates' re-evaluation again for reports no task has paid (stored while the broker
    was down, or a worker was lost). Runs every minute from beat, across organizations."""
    from gates import tasks  # here, not at the top: the tasks module imports the services
    now = timezone.now()
    with cross_tenant(reason="CI results sweep: find reports whose gates were never evaluated"):
        owed = list(CIResult.cross_tenant_objects
                    .filter(gates_evaluated_at__isnull=True, reported_at__lt=now - SWEEP_AFTER,
                            reported_at__gte=now - SWEEP_WITHIN)
                    .order_by("reported_at").values_list("organization_id", "pk")[:1000])
    for org_id, result_id in owed:
        enqueue(tasks.reevaluate_gates_for_ci_result, org_id=org_id, ci_result_id=result_id)
    return len(owed)
