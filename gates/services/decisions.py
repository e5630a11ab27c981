"""People's decisions on criteria: sign-offs and waivers, and the policy that governs them."""

from __future__ import annotations

from copy import copy
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from gates.models import Criterion, Evaluation, Gate, GatePolicy, SignOff, Status, Waiver
from gates.policy import sign_off_refusal, signable, waive_refusal
from gates.selectors import gate_policy_get
from gates.services._common import UNSET, lock_gate, locked_criterion, require
from gates.services.duties import duties_refusal, sign_offs_reset
from gates.services.evaluation import settle
from vsm.audit.services import audit_record, snapshot
from vsm.errors import Conflict, DomainError, InvalidInput
from vsm.moments import moment_text
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm, Role

Trigger = Evaluation.Trigger


def gate_sign_off(*, actor: Actor, criterion: Criterion, decision: str, comment: str = "") -> SignOff:
    """A person approves or rejects a manual criterion, once. The signer holds the criterion's
    role (or is an owner or admin) and, unless the policy allows it, is not the gate's owner."""
    if decision not in SignOff.Decision.values:
        raise InvalidInput.field("decision", f"Choose one of {', '.join(SignOff.Decision.values)}.")
    with transaction.atomic():
        gate, criterion = locked_criterion(criterion)
        signed = set(criterion.sign_offs.values_list("user_id", flat=True))
        refusal = sign_off_refusal(actor=actor, gate=gate, criterion=criterion, policy=gate_policy_get(),
                                   signed_user_ids=signed)
        if refusal is not None:
            raise refusal
        try:
            with transaction.atomic():
                sign_off = SignOff.objects.create(
                    criterion=criterion, user=actor.user, user_label=actor.label[:254], role=actor.role,
                    decision=decision, comment=(comment or "").strip())
        except IntegrityError as exc:  # only reachable if someone signs without taking the gate lock
            raise Conflict(f"You have already signed off '{criterion.title}'.",
                           conflicts_with=[f"criterion:{criterion.pk}"]) from exc
        settle(gate, actor=actor, trigger=Trigger.SIGNED_OFF, criterion_ids=[criterion.pk])
        audit_record(actor=actor, action=f"signoff.{decision}", instance=sign_off, after=snapshot(sign_off),
                     object_repr=f"{criterion.title} ({gate.name})")
    return sign_off


def _require_waiver_role(actor: Actor) -> None:
    refusal = waive_refusal(actor=actor, policy=gate_policy_get())
    if refusal is not None:
        raise refusal


def criterion_waive(*, actor: Actor, criterion: Criterion, reason: str, expires_at: datetime | None) -> Waiver:
    """Acknowledge an unmet criterion until `expires_at`. It shows as waived, and stays not met."""
    _require_waiver_role(actor)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.field("reason", "Say why the criterion is waived.")
    if expires_at is None:
        raise InvalidInput.field("expires_at", "A waiver needs an expiry.")
    if timezone.is_naive(expires_at):
        raise InvalidInput.field("expires_at", "Give the expiry with its UTC offset.")
    if expires_at <= timezone.now():
        raise InvalidInput.field("expires_at", "The expiry must be in the future.")
    with transaction.atomic():
        gate, criterion = locked_criterion(criterion)
        if criterion.state == Status.MET:
            raise Conflict(f"'{criterion.title}' is met: there is nothing to waive.",
                           conflicts_with=[f"criterion:{criterion.pk}"])
        current = Waiver.objects.filter(criterion=criterion, revoked_at__isnull=True,
                                        expires_at__gt=timezone.now()).first()
        if current is not None:
            raise Conflict(f"'{criterion.title}' is already waived until {moment_text(current.expires_at)}.",
                           conflicts_with=[f"waiver:{current.pk}"])
        waiver = Waiver.objects.create(criterion=criterion, reason=reason, expires_at=expires_at,
                                       granted_by=actor.user, granted_by_label=actor.label[:254])
        settle(gate, actor=actor, trigger=Trigger.WAIVED, criterion_ids=[criterion.pk])
        audit_record(actor=actor, action="waiver.created", instance=waiver, after=snapshot(waiver),
                     object_repr=f"{criterion.title} ({gate.name})")
    return waiver


def waiver_revoke(*, actor: Actor, waiver: Waiver) -> Waiver:
    """End a waiver now; revoking a revoked waiver changes nothing."""
    _require_waiver_role(actor)
    with transaction.atomic():
        gate, criterion = locked_criterion(waiver.criterion)
        waiver = Waiver.objects.get(pk=waiver.pk)
        if waiver.revoked_at is not None:
            return waiver
        before = snapshot(waiver)
        waiver.revoked_at, waiver.revoked_by_label = timezone.now(), actor.label[:254]
        waiver.save(update_fields=["revoked_at", "revoked_by_label"])
        settle(gate, actor=actor, trigger=Trigger.WAIVER_REVOKED, criterion_ids=[criterion.pk])
        audit_record(actor=actor, action="waiver.revoked", instance=waiver, before=before, after=snapshot(waiver),
                     object_repr=f"{criterion.title} ({gate.name})")
    return waiver


def gate_policy_update(*, actor: Actor, allow_owner_sign_off: bool = UNSET,
                       waiver_roles: list[str] = UNSET) -> GatePolicy:
    """Change how the organization runs its gates. Letting owners sign off is refused to a person
    who owns a gate not yet met with criteria they could then sign; forbidding it withdraws the
    sign-offs owners gave on their own gates not yet met (segregation of duties)."""
    require(actor, Perm.MANAGE_ORGANIZATION)
    if waiver_roles is not UNSET:
        unknown = sorted(set(waiver_roles) - set(Role.values))
        if unknown:
            raise InvalidInput.field("waiver_roles", f"Not roles: {', '.join(unknown)}.")
    refusal = None
    with transaction.atomic():
        policy, _ = GatePolicy.objects.select_for_update().get_or_create()
        before = snapshot(policy)
        old_policy = copy(policy)
        if allow_owner_sign_off is not UNSET:
            policy.allow_owner_sign_off = allow_owner_sign_off
        if waiver_roles is not UNSET:
            policy.waiver_roles = sorted(set(waiver_roles), key=Role.values.index)
        if snapshot(policy) == before:
            return policy
        if policy.allow_owner_sign_off and not old_policy.allow_owner_sign_off:
            refusal = _owner_sign_off_refusal(actor, old_policy, policy)
        if refusal is None:
            policy.updated_at = timezone.now()
            policy.save()
            audit_record(actor=actor, action="gatepolicy.updated", instance=policy, before=before,
                         after=snapshot(policy))
            if old_policy.allow_owner_sign_off and not policy.allow_owner_sign_off:
                _withdraw_owners_sign_offs(actor)
    if refusal is not None:
        raise refusal
    return policy


def _open_gates() -> QuerySet[Gate]:
    return Gate.objects.exclude(status=Status.MET).filter(owner__isnull=False)


def _owner_sign_off_refusal(actor: Actor, old: GatePolicy, new: GatePolicy) -> DomainError | None:
    if actor.user is None:
        return None
    now, then = {}, {}
    for gate in _open_gates().filter(owner=actor.user).prefetch_related("criteria"):
        criteria = list(gate.criteria.all())
        now |= signable(actor=actor, gate=gate, criteria=criteria, policy=old)
        then |= signable(actor=actor, gate=gate, criteria=criteria, policy=new)
    return duties_refusal(actor=actor, now=now, then=then, field="allow_owner_sign_off",
                          action="gatepolicy.update_refused", instance=new, change=snapshot(new))


def _withdraw_owners_sign_offs(actor: Actor) -> None:
    """Owners may no longer sign their own gates: what they signed on gates not yet met goes."""
    own = SignOff.objects.filter(criterion__gate__in=_open_gates(), user_id=F("criterion__gate__owner_id"))
    for gate_id in sorted(set(own.values_list("criterion__gate_id", flat=True))):
        gate = lock_gate(gate_id)
        criterion_ids = sign_offs_reset(
            actor=actor, gate=gate, sign_offs=own.filter(criterion__gate=gate),
            reason="Gate owners may no longer sign off their own gates: the owner's sign-offs are withdrawn.")
        settle(gate, actor=actor, trigger=Trigger.DUTIES_CHANGED, criterion_ids=criterion_ids)
