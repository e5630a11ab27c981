"""Who may sign off and who may waive: one answer for the services (which raise it) and the
checklist (which shows the buttons only to those the services would accept)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from gates.models import Criterion, Gate, GatePolicy
from vsm.errors import Conflict, DomainError, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

# Whoever runs the organization may stand in for any signer role.
STAND_IN_ROLES = frozenset({Role.OWNER, Role.ADMIN})


def role_label(role: str) -> str:
    return Role(role).label if role in Role.values else role


def sign_off_refusal(*, actor: Actor, gate: Gate, criterion: Criterion, policy: GatePolicy,
                     signed_user_ids: Collection[int]) -> DomainError | None:
    """Why `actor` may not sign off `criterion` now, or None when they may."""
    if not criterion.is_manual:
        return InvalidInput.field(
            "criterion", f"'{criterion.title}' is automated: it is evaluated from data and cannot be signed off.")
    if actor.user is None:
        return PermissionRefused("A sign-off is a person's decision: sign in to sign off (API tokens cannot).")
    if actor.role != criterion.signer_role and actor.role not in STAND_IN_ROLES:
        return PermissionRefused(
            f"'{criterion.title}' is signed off by the {role_label(criterion.signer_role)} role; "
            f"your role is {role_label(actor.role)}.")
    if gate.owner_id is not None and gate.owner_id == actor.user.pk and not policy.allow_owner_sign_off:
        return PermissionRefused(
            "Segregation of duties: you own what this gate guards, so someone else must sign it off.")
    if actor.user.pk in signed_user_ids:
        return Conflict(f"You have already signed off '{criterion.title}'; each person signs a criterion once.",
                        conflicts_with=[f"criterion:{criterion.pk}"])
    return None


def signable(*, actor: Actor, gate: Gate, criteria: Iterable[Criterion], policy: GatePolicy) -> dict[int, str]:
    """The criteria of `gate` (id: title) that `actor` could sign off under `policy`, leaving aside
    the sign-offs already given: what an edit of who may sign must not widen for its author."""
    return {criterion.pk: criterion.title for criterion in criteria
            if sign_off_refusal(actor=actor, gate=gate, criterion=criterion, policy=policy, signed_user_ids=()) is None}


def waive_refusal(*, actor: Actor, policy: GatePolicy) -> DomainError | None:
    """Why `actor` may not grant or revoke waivers, or None when they may."""
    if actor.user is None:
        return PermissionRefused("A waiver is a person's decision: sign in to waive (API tokens cannot).")
    if actor.role not in policy.waiver_roles:
        allowed = ", ".join(role_label(role) for role in policy.waiver_roles) or "nobody"
        return PermissionRefused(f"Your role may not waive criteria (allowed: {allowed}).")
    return None
