"""Asking for sign-offs: a release manager asks the people allowed to sign a gate's waiting
criteria (gates.selectors.sign_off_candidates), by a notification; nothing about the gate changes."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from gates.models import Gate
from gates.selectors import criteria_with_decisions, gate_policy_get, sign_off_candidates
from gates.services._common import require
from vsm.accounts.models import User
from vsm.audit.services import audit_record
from vsm.errors import Conflict, InvalidInput
from vsm.notifications.models import NotificationKind
from vsm.notifications.services import notify
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm


def sign_off_request(*, actor: Actor, gate: Gate, note: str = "") -> list[User]:
    """Notify whoever may sign off the gate's criteria still waiting for a sign-off; returns them.
    409 when nothing waits for a sign-off, or nobody in the organization may give one."""
    require(actor, Perm.MANAGE_RELEASES)
    note = (note or "").strip()
    if len(note) > 500:
        raise InvalidInput.field("note", "Keep the note to 500 characters.")
    with transaction.atomic():
        criteria = list(criteria_with_decisions().filter(gate=gate))
        asked = sign_off_candidates(gate=gate, criteria=criteria, policy=gate_policy_get())
        if not asked:
            raise Conflict(f"No criterion of '{gate.name}' waits for a sign-off.", conflicts_with=[f"gate:{gate.pk}"])
        people = {m.user.pk: m.user for members in asked.values() for m in members}
        if not people:
            raise Conflict(f"Nobody in the organization may sign off '{gate.name}' (its owner may not).",
                           conflicts_with=[f"gate:{gate.pk}"])
        titles = [c.title for c in criteria if c.pk in asked]
        audit_record(actor=actor, action="gate.sign_off_requested", instance=gate, message=note, after={
            "criteria": titles, "asked": sorted(user.email for user in people.values())})
        notify(recipients=list(people.values()), kind=NotificationKind.APPROVAL_NEEDED, actor=actor,
               title=f"Sign-off requested: {gate.name}",
               body=f"{actor.label} asks you to sign off {', '.join(titles)}." + (f" {note}" if note else ""),
               url=reverse("gates:detail", kwargs={"org_slug": gate.organization.slug, "gate_id": gate.pk}))
    return list(people.values())
