"""What the gates services share: permission checks and the gate lock every decision takes."""

from __future__ import annotations

from typing import Any

from gates.models import Criterion, Gate
from vsm.errors import NotFound, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm

UNSET: Any = object()


def require(actor: Actor, perm: Perm) -> None:
    if not actor.has(perm):
        raise PermissionRefused(f"Your role may not do this ({perm.value.replace('_', ' ')}).")


def lock_gate(gate_id: int) -> Gate:
    gate = Gate.objects.select_for_update().filter(pk=gate_id).first()
    if gate is None:
        raise NotFound("The gate no longer exists.")
    return gate


def locked_criterion(criterion: Criterion) -> tuple[Gate, Criterion]:
    """The gate locked, then the criterion as it is now (another request may have changed it)."""
    gate = lock_gate(criterion.gate_id)
    fresh = Criterion.objects.filter(pk=criterion.pk, gate=gate).first()
    if fresh is None:
        raise NotFound("The criterion no longer exists.")
    return gate, fresh
