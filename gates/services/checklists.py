"""Gates and their criteria: create, change, remove, evaluate; and the re-evaluation of gates
after the data their rules read has changed (run by tasks)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from gates.builtin_rules import CRITERIA_OF_GATE_MET
from gates.models import Criterion, Evaluation, Gate, GateKind
from gates.policy import signable
from gates.rules import registry
from gates.selectors import criteria_referencing, gate_policy_get
from gates.services._common import UNSET, lock_gate, locked_criterion, require
from gates.services.duties import duties_refusal, sign_offs_reset
from gates.services.evaluation import refresh_status, settle
from vsm.accounts.models import User
from vsm.audit.services import audit_record, snapshot
from vsm.errors import InvalidInput
from vsm.tenancy.actor import Actor
from vsm.tenancy.models import Membership
from vsm.tenancy.roles import Perm, Role

MAX_SIGN_OFFS = 20
Trigger = Evaluation.Trigger


def _criterion_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """A criterion's fields from `data`, checked; InvalidInput names the offending field."""
    title = str(data.get("title") or "").strip()
    if not title:
        raise InvalidInput.field("title", "A criterion needs a title.")
    if len(title) > 200:
        raise InvalidInput.field("title", "Keep the title to 200 characters.")
    kind = data.get("type")
    if kind not in Criterion.Type.values:
        raise InvalidInput.field("type", f"Choose one of {', '.join(Criterion.Type.values)}.")
    fields = {"title": title, "description": str(data.get("description") or ""), "type": kind}
    if "order" in data and data["order"] is not None:
        if isinstance(data["order"], bool) or not isinstance(data["order"], int) or data["order"] < 0:
            raise InvalidInput.field("order", "The order is a whole number, 0 or more.")
        fields["order"] = data["order"]
    signer_role, rule, params = data.get("signer_role") or "", data.get("rule") or "", data.get("params") or {}
    if kind == Criterion.Type.MANUAL:
        if signer_role not in Role.values:
            raise InvalidInput.field("signer_role", f"A manual criterion names the role that signs it off: "
                                                    f"one of {', '.join(Role.values)}.")
        required = data.get("required_sign_offs", 1)
        if isinstance(required, bool) or not isinstance(required, int) or not 1 <= required <= MAX_SIGN_OFFS:
            raise InvalidInput.field("required_sign_offs", f"Between 1 and {MAX_SIGN_OFFS} sign-offs.")
        if rule:
            raise InvalidInput.field("rule", "A manual criterion is met by sign-offs; it has no rule.")
        if params:
            raise InvalidInput.field("params", "A manual criterion is met by sign-offs; it has no parameters.")
        return {**fields, "signer_role": signer_role, "required_sign_offs": required, "rule": "", "params": {}}
    if signer_role:
        raise InvalidInput.field("signer_role", "An automated criterion is evaluated from data, never signed off.")
    if not rule:
        raise InvalidInput.field("rule", "An automated criterion names the rule that evaluates it (GET rules/).")
    if not isinstance(params, dict):
        raise InvalidInput.field("params", "The parameters are a JSON object.")
    registry.validate(rule, params)
    return {**fields, "signer_role": "", "required_sign_offs": 1, "rule": rule, "params": params}


def _criterion_snapshot(criterion: Criterion) -> dict[str, Any]:
    return snapshot(criterion, fields=["gate", "order", "title", "description", "type", "signer_role",
                                       "required_sign_offs", "rule", "params"])


def _check_gate_fields(name: str | None, context: Any, owner: User | None) -> None:
    if name is not None and (not name or len(name) > 200):
        raise InvalidInput.field("name", "A gate needs a name of at most 200 characters.")
    if context is not None and not isinstance(context, dict):
        raise InvalidInput.field("context", "The context is a JSON object.")
    if owner is not None and not Membership.objects.filter(user=owner).exists():
        raise InvalidInput.field("owner", f"{owner.email} is not a member of this organization.")


def gate_create(*, actor: Actor, name: str, kind: str = GateKind.CUSTOM, owner: User | None = None,
                context: dict[str, Any] | None = None, criteria: Sequence[Mapping[str, Any]] = ()) -> Gate:
    """A gate with its criteria, decided right away (automated ones may already be met).
    `criteria` are mappings with the fields of criterion_add; field errors are named
    `criteria[<index>].<field>`."""
    require(actor, Perm.MANAGE_RELEASES)
    name = (name or "").strip()
    if kind not in GateKind.values:
        raise InvalidInput.field("kind", f"Choose one of {', '.join(GateKind.values)}.")
    _check_gate_fields(name, context, owner)
    specs = []
    for index, data in enumerate(criteria):
        try:
            specs.append(_criterion_fields(data))
        except InvalidInput as exc:
            raise InvalidInput(exc.message, fields={f"criteria[{index}].{k}": v for k, v in exc.fields.items()}
                               ) from exc
    with transaction.atomic():
        gate = Gate.objects.create(name=name, kind=kind, owner=owner, context=context or {})
        Criterion.objects.bulk_create([
            Criterion(organization_id=gate.organization_id, gate=gate, **{"order": index + 1, **spec})
            for index, spec in enumerate(specs)
        ])
        settle(gate, actor=actor, trigger=Trigger.CREATED)
        audit_record(actor=actor, action="gate.created", instance=gate, after={
            **snapshot(gate), "criteria": [_criterion_snapshot(c) for c in gate.criteria.all()]})
    return gate


def gate_update(*, actor: Actor, gate: Gate, name: str = UNSET, owner: User | None = UNSET,
                context: dict[str, Any] = UNSET) -> Gate:
    """Change a gate's name, owner or context (what is given). The owner is who may not sign off
    (segregation of duties): a new owner is refused to a person it would let sign off what they
    may not now, and withdraws the gate's sign-offs. A new context is what the rules read: either
    way the gate is decided again."""
    require(actor, Perm.MANAGE_RELEASES)
    name = (name or "").strip() if name is not UNSET else UNSET
    _check_gate_fields(None if name is UNSET else name, None if context is UNSET else context,
                       None if owner is UNSET else owner)
    refusal = None
    with transaction.atomic():
        gate = lock_gate(gate.pk)
        before = snapshot(gate, fields=["name", "owner", "context"])
        policy, criteria = gate_policy_get(), list(gate.criteria.all())
        could_sign = signable(actor=actor, gate=gate, criteria=criteria, policy=policy)
        for field, value in (("name", name), ("owner", owner), ("context", context)):
            if value is not UNSET:
                setattr(gate, field, value)
        after = snapshot(gate, fields=["name", "owner", "context"])
        if after == before:
            return gate
        if after["owner_id"] != before["owner_id"]:
            refusal = duties_refusal(
                actor=actor, now=could_sign, then=signable(actor=actor, gate=gate, criteria=criteria, policy=policy),
                field="owner", action="gate.update_refused", instance=gate, change=after)
        if refusal is None:
            gate.save(update_fields=["name", "owner", "context"])
            reset = after["owner_id"] != before["owner_id"] and sign_offs_reset(
                actor=actor, gate=gate, reason="The gate's owner changed: its criteria are signed off again.")
            if reset or after["context"] != before["context"]:
                settle(gate, actor=actor, trigger=Trigger.DUTIES_CHANGED if reset else Trigger.EVALUATED)
            audit_record(actor=actor, action="gate.updated", instance=gate, before=before, after=after)
    if refusal is not None:
        raise refusal
    return gate


def gate_evaluate(*, actor: Actor, gate: Gate, trigger: str = Trigger.EVALUATED) -> Gate:
    """Decide every criterion now, storing the evidence; any member may ask."""
    require(actor, Perm.VIEW)
    with transaction.atomic():
        gate = lock_gate(gate.pk)
        before = gate.status
        settle(gate, actor=actor, trigger=trigger)
        audit_record(actor=actor, action="gate.evaluated", instance=gate, before={"status": before},
                     after={"status": gate.status}, message=trigger)
    return gate


def criterion_add(*, actor: Actor, gate: Gate, title: str, type: str, description: str = "",
                  signer_role: str = "", required_sign_offs: int = 1, rule: str = "",
                  params: dict[str, Any] | None = None, order: int | None = None) -> Criterion:
    require(actor, Perm.MANAGE_RELEASES)
    fields = _criterion_fields({"title": title, "type": type, "description": description, "signer_role": signer_role,
                                "required_sign_offs": required_sign_offs, "rule": rule, "params": params,
                                "order": order})
    with transaction.atomic():
        gate = lock_gate(gate.pk)
        if "order" not in fields:
            fields["order"] = (gate.criteria.aggregate(last=Max("order"))["last"] or 0) + 1
        criterion = Criterion.objects.create(gate=gate, **fields)
        settle(gate, actor=actor, trigger=Trigger.CREATED, criterion_ids=[criterion.pk])
        audit_record(actor=actor, action="criterion.created", instance=criterion, after=_criterion_snapshot(criterion))
    return criterion


def criterion_update(*, actor: Actor, criterion: Criterion, title: str = UNSET, type: str = UNSET,
                     description: str = UNSET, signer_role: str = UNSET, required_sign_offs: int = UNSET,
                     rule: str = UNSET, params: dict[str, Any] = UNSET, order: int = UNSET) -> Criterion:
    """Change a criterion and decide it again. Its type stays: remove it and add another instead.
    A new signer role is refused to a person it would let sign off what they may not now, and
    withdraws the criterion's sign-offs (segregation of duties)."""
    require(actor, Perm.MANAGE_RELEASES)
    changes = {name: value for name, value in {
        "title": title, "type": type, "description": description, "signer_role": signer_role,
        "required_sign_offs": required_sign_offs, "rule": rule, "params": params, "order": order,
    }.items() if value is not UNSET}
    if "type" in changes and changes["type"] != criterion.type:
        raise InvalidInput.field("type", "A criterion keeps its type; remove it and add a new one instead.")
    refusal = None
    with transaction.atomic():
        gate, criterion = locked_criterion(criterion)
        before = _criterion_snapshot(criterion)
        fields = _criterion_fields({**before, **changes})
        policy = gate_policy_get()
        could_sign = signable(actor=actor, gate=gate, criteria=[criterion], policy=policy)
        for name, value in fields.items():
            setattr(criterion, name, value)
        after = _criterion_snapshot(criterion)
        if after == before:
            return criterion
        new_signer = after["signer_role"] != before["signer_role"]
        if new_signer:
            refusal = duties_refusal(
                actor=actor, now=could_sign, then=signable(actor=actor, gate=gate, criteria=[criterion], policy=policy),
                field="signer_role", action="criterion.update_refused", instance=criterion, change=after)
        if refusal is None:
            criterion.save(update_fields=list(fields))
            if new_signer:
                sign_offs_reset(actor=actor, gate=gate, sign_offs=criterion.sign_offs.all(),
                                reason=f"The signer role of '{criterion.title}' changed: it is signed off again.")
            settle(gate, actor=actor, trigger=Trigger.CRITERION_CHANGED, criterion_ids=[criterion.pk])
            audit_record(actor=actor, action="criterion.updated", instance=criterion, before=before, after=after)
    if refusal is not None:
        raise refusal
    criterion.refresh_from_db()
    return criterion


def criterion_remove(*, actor: Actor, criterion: Criterion) -> None:
    """Remove a criterion. Its sign-offs and waivers go with it; its evaluations stay (evidence)."""
    require(actor, Perm.MANAGE_RELEASES)
    with transaction.atomic():
        gate, criterion = locked_criterion(criterion)
        decided_by = sorted(f"{s.user_label}: {s.decision}" for s in criterion.sign_offs.all())
        audit_record(actor=actor, action="criterion.deleted", instance=criterion, before=_criterion_snapshot(criterion),
                     message=f"sign-offs removed with it: {', '.join(decided_by)}" if decided_by else "")
        criterion.delete()
        refresh_status(gate, timezone.now())


def reevaluate(gate_ids: set[int], *, trigger: str, system: str) -> int:
    """Evaluate these gates again as the system, each in its own transaction (tasks' work)."""
    actor = Actor.for_system(system)
    for gate in Gate.objects.filter(pk__in=gate_ids).order_by("pk"):
        gate_evaluate(actor=actor, gate=gate, trigger=trigger)
    return len(gate_ids)


def gate_reevaluate_dependents(*, gate_id: int) -> int:
    """Evaluate the gates with a criterion on this gate's criteria; safe to run twice."""
    criteria = criteria_referencing(rule=CRITERIA_OF_GATE_MET, literal="gate_id", from_context="gate_id_from_context",
                                    value=gate_id)
    dependents = set(criteria.values_list("gate_id", flat=True)) - {gate_id}
    return reevaluate(dependents, trigger=Trigger.DEPENDENCY, system="gate-dependency")
