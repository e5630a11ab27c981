"""Release templates: named sets of phases with the criteria of their gates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from environments.models import Tier
from gates import services as gates
from releases.models import ReleaseTemplate, TemplatePhase
from releases.services._common import require, require_text
from vsm.audit.services import audit_record, snapshot
from vsm.errors import Conflict, InvalidInput
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm

MAX_PHASES = 20


class _DryRun(Exception):
    """Raised to roll back the gate a template's criteria were tried on."""


def _check_criteria(actor: Actor, criteria: Any, field: str) -> list[dict[str, Any]]:
    """Criteria exactly as gates will take them: tried on a gate that is rolled back at once, so
    a template never holds a criterion that would fail when a release is made from it."""
    if not isinstance(criteria, (list, tuple)) or not all(isinstance(c, Mapping) for c in criteria):
        raise InvalidInput.field(field, "A list of criteria (objects with title, type, ...).")
    criteria = [dict(c) for c in criteria]
    try:
        with transaction.atomic():
            gates.gate_create(actor=actor, name="template check", criteria=criteria)
            raise _DryRun
    except _DryRun:
        pass
    except InvalidInput as exc:
        renamed = {name.replace("criteria", field, 1): messages for name, messages in exc.fields.items()}
        raise InvalidInput(exc.message, fields=renamed) from exc
    return criteria


def _phase(actor: Actor, index: int, data: Mapping[str, Any]) -> dict[str, Any]:
    prefix = f"phases[{index}]."
    if not isinstance(data, Mapping):
        raise InvalidInput.field(f"phases[{index}]", "Each phase is an object with a name.")
    name = require_text(f"{prefix}name", data.get("name"), max_length=60)
    tier = data.get("tier") or ""
    if tier not in ("", *Tier.values):
        raise InvalidInput.field(f"{prefix}tier", f"Choose one of {', '.join(Tier.values)}, or none.")
    days = data.get("duration_days", 5)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        raise InvalidInput.field(f"{prefix}duration_days", "Between 1 and 365 days.")
    return {"name": name, "tier": tier, "duration_days": days,
            "entry_criteria": _check_criteria(actor, data.get("entry_criteria") or [], f"{prefix}entry_criteria"),
            "exit_criteria": _check_criteria(actor, data.get("exit_criteria") or [], f"{prefix}exit_criteria")}


def template_create(*, actor: Actor, name: str, phases: Sequence[Mapping[str, Any]], description: str = ""
                    ) -> ReleaseTemplate:
    """`phases`: [{"name", "tier", "duration_days", "entry_criteria": [...], "exit_criteria": [...]}]."""
    require(actor, Perm.MANAGE_RELEASES)
    name = require_text("name", name, max_length=120)
    if not isinstance(phases, (list, tuple)) or not phases:
        raise InvalidInput.field("phases", "A template has at least one phase.")
    if len(phases) > MAX_PHASES:
        raise InvalidInput.field("phases", f"At most {MAX_PHASES} phases.")
    specs = [_phase(actor, index, data) for index, data in enumerate(phases)]
    try:
        with transaction.atomic():
            template = ReleaseTemplate.objects.create(name=name, description=(description or "").strip())
            TemplatePhase.objects.bulk_create([
                TemplatePhase(organization_id=template.organization_id, template=template, order=index + 1, **spec)
                for index, spec in enumerate(specs)])
            audit_record(actor=actor, action="releasetemplate.created", instance=template,
                         after={**snapshot(template), "phases": specs})
    except IntegrityError as exc:
        raise Conflict(f"A template named '{name}' already exists.", fields={"name": ["taken"]},
                       conflicts_with=[name]) from exc
    return template


def template_delete(*, actor: Actor, template: ReleaseTemplate) -> None:
    """Releases made from it keep their phases and gates."""
    require(actor, Perm.MANAGE_RELEASES)
    with transaction.atomic():
        audit_record(actor=actor, action="releasetemplate.deleted", instance=template, before=snapshot(template))
        template.delete()
