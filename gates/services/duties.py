"""Segregation of duties that an edit cannot walk around. Three edits change who may sign a gate:
a criterion's signer role, the gate's owner and the organization's gate policy. Each is refused
to a person it would let sign off a criterion they may not sign off now (the refusal is audited),
and each withdraws the sign-offs given under the old rules (audited; the caller decides the gate
again)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from gates.models import Criterion, Gate, SignOff
from vsm.audit.services import audit_record
from vsm.errors import PermissionRefused
from vsm.tenancy.actor import Actor


def duties_refusal(*, actor: Actor, now: Mapping[int, str], then: Mapping[int, str], field: str,
                   action: str, instance: models.Model, change: dict[str, Any]) -> PermissionRefused | None:
    """A refusal naming the criteria (id: title) the actor could sign off `then` (after the edit of
    `field`) but not `now`, written to the audit trail as `action`; None when the edit widens
    nothing. The caller commits before raising it, so the attempt stays on record."""
    gained = {pk: title for pk, title in then.items() if pk not in now}
    if not gained:
        return None
    titles = ", ".join(f"'{title}'" for title in sorted(gained.values()))
    message = (f"Segregation of duties: after this change you could sign off {titles}, which you may not sign "
               "off now; someone else must make it.")
    audit_record(actor=actor, action=action, instance=instance, after=change, message=message)
    return PermissionRefused(message, fields={field: [message]}, criteria=sorted(gained))


def sign_offs_reset(*, actor: Actor, gate: Gate, sign_offs: Iterable[SignOff] | None = None, reason: str) -> list[int]:
    """Withdraw `sign_offs` (default: every sign-off on the gate) because who may sign changed;
    one audit event on the gate lists them. Returns the ids of the criteria whose sign-offs went,
    for the caller (who holds the gate's lock) to decide again."""
    if sign_offs is None:
        sign_offs = SignOff.objects.filter(criterion__gate=gate)
    withdrawn = sorted(sign_offs, key=lambda s: (s.signed_at, s.pk))
    if not withdrawn:
        return []
    titles = dict(Criterion.objects.filter(pk__in={s.criterion_id for s in withdrawn}).values_list("pk", "title"))
    SignOff.objects.filter(pk__in=[s.pk for s in withdrawn]).delete()
    audit_record(actor=actor, action="gate.sign_offs_reset", instance=gate, message=reason, before={"sign_offs": [
        {"id": s.pk, "criterion_id": s.criterion_id, "criterion": titles.get(s.criterion_id, ""),
         "user_label": s.user_label, "role": s.role, "decision": s.decision, "signed_at": s.signed_at.isoformat()}
        for s in withdrawn]}, after={"sign_offs": []})
    return sorted({s.criterion_id for s in withdrawn})
