"""Reads of gates. `gate_checklists` is what pages (the gates app's and the releases app's) render
with templates/gates/_checklist.html."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from gates.models import WAIVED, CIResult, Criterion, Evaluation, Gate, GatePolicy, SignOff, Status, Waiver
from gates.policy import STAND_IN_ROLES, sign_off_refusal, waive_refusal
from vsm.errors import DomainError
from vsm.tenancy.actor import Actor
from vsm.tenancy.models import Membership
from vsm.tenancy.roles import Perm, Role

# Context keys name JSON keys in lookups: plain snake_case, never Django's "__" separator.
CONTEXT_KEY = r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$"


def criteria_with_decisions() -> QuerySet[Criterion]:
    """Criteria with what decides their state: sign-offs, waivers (newest first) and the latest
    evaluation, in three queries however many there are."""
    return Criterion.objects.select_related("latest_evaluation").prefetch_related(
        Prefetch("sign_offs", queryset=SignOff.objects.order_by("signed_at", "id")),
        Prefetch("waivers", queryset=Waiver.objects.order_by("-granted_at", "-id")),
    )


def active_waiver(criterion: Criterion, now: datetime | None = None) -> Waiver | None:
    """The waiver that applies now; expiry is computed, so an expired waiver stops applying by itself."""
    now = now or timezone.now()
    return next((waiver for waiver in criterion.waivers.all() if waiver.is_active(now)), None)


def _as_seen(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    until = row.get("waived_until")
    if isinstance(until, str):
        until = datetime.fromisoformat(until)
    state = WAIVED if until is not None and until > now and row["state"] != Status.MET else row["state"]
    return {"id": row["id"], "title": row["title"], "state": state, "summary": row["summary"]}


def unmet_criteria(*, gates: Iterable[Gate], now: datetime | None = None) -> dict[int, list[dict[str, Any]]]:
    """Per gate, its criteria not met as people see them now (waived while a waiver applies),
    read from the summary each gate keeps; only gates never settled since it exists ask their
    criteria. A met gate has none."""
    now = now or timezone.now()
    gates = list(gates)
    found = {gate.pk: [_as_seen(row, now) for row in gate.unmet or []] for gate in gates if gate.status != Status.MET}
    unsummarized = [gate.pk for gate in gates if gate.unmet is None and gate.status != Status.MET]
    if unsummarized:
        waivers = Prefetch("waivers", queryset=Waiver.objects.filter(revoked_at__isnull=True, expires_at__gt=now))
        for criterion in Criterion.objects.filter(gate_id__in=unsummarized).exclude(state=Status.MET).prefetch_related(
                waivers).order_by("gate_id", "order", "id"):
            found[criterion.gate_id].append({"id": criterion.pk, "title": criterion.title, "summary": criterion.summary,
                                             "state": criterion.display_state(active_waiver(criterion, now))})
    return {gate.pk: found.get(gate.pk, []) for gate in gates}


def gate_list() -> QuerySet[Gate]:
    """Newest first, with their criteria counts; filtered by gates.filters.GateFilter."""
    return Gate.objects.select_related("owner").annotate(
        criteria_count=Count("criteria", distinct=True),
        met_count=Count("criteria", filter=Q(criteria__state=Status.MET), distinct=True),
    ).order_by("-created_at", "-id")


def gate_detail_list() -> QuerySet[Gate]:
    """Gates with their criteria and everything that decides them."""
    criteria = Prefetch("criteria", queryset=criteria_with_decisions())
    return Gate.objects.select_related("owner").prefetch_related(criteria)


def gate_get(*, gate_id: int) -> Gate | None:
    return gate_detail_list().filter(pk=gate_id).first()


def gate_policy_get() -> GatePolicy:
    """The organization's policy; the defaults (unsaved) when none was stored."""
    return GatePolicy.objects.first() or GatePolicy()


def evaluation_list(*, gate_id: int | None = None, criterion_id: int | None = None) -> QuerySet[Evaluation]:
    qs = Evaluation.objects.order_by("-evaluated_at", "-id")
    if gate_id is not None:
        qs = qs.filter(gate_id=gate_id)
    if criterion_id is not None:
        qs = qs.filter(criterion_id=criterion_id)
    return qs


def ci_result_list() -> QuerySet[CIResult]:
    """Newest first; filtered by gates.filters.CIResultFilter."""
    return CIResult.objects.order_by("-reported_at", "-id")


def ci_result_latest(*, name: str, subject: str) -> CIResult | None:
    return ci_result_list().filter(name=name, subject=subject).first()


def criteria_referencing(*, rule: str, literal: str, from_context: str, value: Any) -> QuerySet[Criterion]:
    """Criteria of `rule` whose parameters point at `value`: literally (params[literal] == value)
    or through their gate's context (params[from_context] names a context key holding value)."""
    of_rule = Criterion.objects.filter(rule=rule)
    keys = set(of_rule.filter(params__has_key=from_context).values_list(f"params__{from_context}", flat=True))
    match = Q(**{f"params__{literal}": value})
    for key in keys:
        if isinstance(key, str) and re.match(CONTEXT_KEY, key):
            match |= Q(**{f"params__{from_context}": key, f"gate__context__{key}": value})
    return of_rule.filter(match)


# --- checklists --------------------------------------------------------------------------------

@dataclass
class ChecklistItem:
    criterion: Criterion
    state: str  # met, pending, failed or waived
    waiver: Waiver | None
    sign_offs: list[SignOff]
    sign_refusal: DomainError | None
    can_waive: bool
    problem: dict[str, Any] | None = None  # a refused decision about this criterion, to show on it

    @property
    def can_sign(self) -> bool:
        return self.sign_refusal is None

    @property
    def approvals(self) -> int:
        return sum(1 for s in self.sign_offs if s.decision == SignOff.Decision.APPROVE)


@dataclass
class Checklist:
    gate: Gate
    items: list[ChecklistItem]
    policy: GatePolicy

    @property
    def waived_count(self) -> int:
        return sum(1 for item in self.items if item.state == WAIVED)

    @property
    def awaits_sign_off(self) -> bool:
        return bool(_awaiting(item.criterion for item in self.items))


def _checklist(gate: Gate, *, actor: Actor, policy: GatePolicy, now: datetime) -> Checklist:
    may_waive = waive_refusal(actor=actor, policy=policy) is None
    items = []
    for criterion in gate.criteria.all():
        sign_offs = list(criterion.sign_offs.all())
        waiver = active_waiver(criterion, now)
        items.append(ChecklistItem(
            criterion=criterion,
            state=criterion.display_state(waiver),
            waiver=waiver,
            sign_offs=sign_offs,
            sign_refusal=sign_off_refusal(actor=actor, gate=gate, criterion=criterion, policy=policy,
                                          signed_user_ids={s.user_id for s in sign_offs}),
            can_waive=may_waive,
        ))
    return Checklist(gate=gate, items=items, policy=policy)


def gate_checklists(*, gate_ids: Iterable[int], actor: Actor) -> dict[int, Checklist]:
    """Checklists of several gates as `actor` sees them (which buttons they get), in a fixed
    number of queries: a page showing every gate of a release includes one partial per gate."""
    policy = gate_policy_get()
    now = timezone.now()
    return {gate.pk: _checklist(gate, actor=actor, policy=policy, now=now)
            for gate in gate_detail_list().filter(pk__in=list(gate_ids))}


def gate_checklist(*, gate_id: int, actor: Actor) -> Checklist | None:
    return gate_checklists(gate_ids=[gate_id], actor=actor).get(gate_id)


# --- sign-offs waiting on people ------------------------------------------------------------

def _awaiting(criteria: Iterable[Criterion]) -> list[Criterion]:
    """Manual criteria a sign-off can still decide: not met, not rejected (a rejection is final)."""
    return [c for c in criteria if c.is_manual and c.state == Status.PENDING]


def sign_off_candidates(*, gate: Gate, criteria: Iterable[Criterion], policy: GatePolicy
                        ) -> dict[int, list[Membership]]:
    """Per criterion waiting for a sign-off, the members who would be asked: those holding its
    signer role whom the sign-off rule accepts (not the gate's owner unless the policy allows,
    not who already signed); only when nobody holds it, the owners and administrators who may
    stand in. Criteria from criteria_with_decisions()."""
    members = list(Membership.objects.select_related("user").order_by("user__email"))
    found = {}
    for criterion in _awaiting(criteria):
        signed = {s.user_id for s in criterion.sign_offs.all()}

        def may(member: Membership, criterion=criterion, signed=signed) -> bool:
            actor = Actor(role=member.role, user=member.user)
            return sign_off_refusal(actor=actor, gate=gate, criterion=criterion, policy=policy,
                                    signed_user_ids=signed) is None

        holders = [m for m in members if m.role == criterion.signer_role]
        asked = [m for m in holders if may(m)]
        if not holders:
            asked = [m for m in members if m.role in STAND_IN_ROLES and may(m)]
        found[criterion.pk] = asked
    return found


def sign_offs_awaiting(*, actor: Actor) -> list[Criterion]:
    """The criteria waiting for a sign-off that `actor` may give, as sign_off_candidates would ask
    them (their role's criteria; a stand-in's only where nobody holds the role), newest gate
    first, with `gate` loaded."""
    if actor.user is None or not actor.has(Perm.SIGN_OFF):
        return []
    policy = gate_policy_get()
    held_roles = set(Membership.objects.values_list("role", flat=True).distinct())
    roles = {actor.role} if actor.role not in STAND_IN_ROLES else {actor.role} | (set(Role.values) - held_roles)
    criteria = criteria_with_decisions().select_related("gate").filter(
        type=Criterion.Type.MANUAL, state=Status.PENDING, signer_role__in=roles).exclude(
        gate__status=Status.MET).order_by("-gate__created_at", "gate_id", "order", "id")
    return [c for c in criteria if sign_off_refusal(actor=actor, gate=c.gate, criterion=c, policy=policy,
                                                    signed_user_ids={s.user_id for s in c.sign_offs.all()}) is None]


def waivers_expiring(*, user_id: int, within: timedelta, now: datetime | None = None) -> QuerySet[Waiver]:
    """Waivers in force ending within `within` that this person granted or whose gate they own."""
    now = now or timezone.now()
    return Waiver.objects.select_related("criterion__gate").filter(
        Q(granted_by_id=user_id) | Q(criterion__gate__owner_id=user_id), revoked_at__isnull=True,
        expires_at__gt=now, expires_at__lte=now + within).order_by("expires_at", "id")
