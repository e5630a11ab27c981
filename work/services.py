"""Deciding several waiting items at once from My work. Each decision goes through the service
of the app that owns the item (which checks who may decide), in its own transaction: one refused
item does not undo the others, and each refusal is reported with its reason."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from environments import services as environments
from environments.models import Booking, DeploymentApprovalRequest, ProvisioningRequest
from gates import services as gates
from gates.models import Criterion, SignOff
from vsm.errors import DomainError, InvalidInput, NotFound
from vsm.tenancy.actor import Actor

KEY = re.compile(r"^(booking|deployment|signoff|provisioning):([1-9][0-9]{0,17})$")
MAX_ITEMS = 100
# What "approve" moves a provisioning request on to; "reject" declines it.
_PROVISIONING_NEXT = {ProvisioningRequest.Status.REQUESTED: ProvisioningRequest.Status.PROVISIONING,
                      ProvisioningRequest.Status.PROVISIONING: ProvisioningRequest.Status.READY}


@dataclass(frozen=True)
class Outcome:
    key: str
    error: DomainError | None = None

    @property
    def done(self) -> bool:
        return self.error is None


def _booking(actor: Actor, pk: int, approve: bool, note: str) -> None:
    booking = _get(Booking, pk)
    decide = environments.booking_approve if approve else environments.booking_reject
    decide(actor=actor, booking=booking, note=note)


def _deployment(actor: Actor, pk: int, approve: bool, note: str) -> None:
    environments.deployment_approval_decide(actor=actor, approval=_get(DeploymentApprovalRequest, pk), approve=approve,
                                            note=note)


def _sign_off(actor: Actor, pk: int, approve: bool, note: str) -> None:
    decision = SignOff.Decision.APPROVE if approve else SignOff.Decision.REJECT
    gates.gate_sign_off(actor=actor, criterion=_get(Criterion, pk), decision=decision, comment=note)


def _provisioning(actor: Actor, pk: int, approve: bool, note: str) -> None:
    request = _get(ProvisioningRequest, pk)
    status = _PROVISIONING_NEXT.get(request.status, ProvisioningRequest.Status.READY) if approve \
        else ProvisioningRequest.Status.DECLINED
    environments.provisioning_request_advance(actor=actor, request=request, status=status, note=note)


_DECIDE: dict[str, Callable[[Actor, int, bool, str], None]] = {
    "booking": _booking, "deployment": _deployment, "signoff": _sign_off, "provisioning": _provisioning}


def _get(model, pk: int):
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise NotFound("It no longer exists.")
    return row


def work_decide(*, actor: Actor, keys: Sequence[str], approve: bool, note: str = "") -> list[Outcome]:
    """Approve or reject each item named `kind:id` (a booking, a deployment request, a gate
    criterion's sign-off, a provisioning request) with the same optional note."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        raise InvalidInput.field("items", "Choose at least one item.")
    if len(keys) > MAX_ITEMS:
        raise InvalidInput.field("items", f"Decide at most {MAX_ITEMS} items at once.")
    parsed = []
    for key in keys:
        match = KEY.match(key)
        if match is None:
            raise InvalidInput.field("items", f"'{key[:60]}' is not an item to decide (kind:id).")
        parsed.append((key, match.group(1), int(match.group(2))))
    note = (note or "").strip()
    if len(note) > 500:
        raise InvalidInput.field("note", "Keep the note to 500 characters.")
    outcomes = []
    for key, kind, pk in parsed:
        try:
            _DECIDE[kind](actor, pk, approve, note)
        except DomainError as error:
            outcomes.append(Outcome(key, error))
        else:
            outcomes.append(Outcome(key))
    return outcomes
