"""Release templates: named sets of phases with the criteria of their gates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from environments.models import Tier
from gates import services as gates
from releases.models import ReleaseTemplate, TemplatePhase
from releases.services._common import UNSET, require, require_text
from vsm.audit.services import audit_record, snapshot
from vsm.entities import delete_entity
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


def _specs(actor: Actor, phases: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if not isinstance(phases, (list, tuple)) or not phases:
        raise InvalidInput.field("phases", "A template has at least one phase.")
    if len(phases) > MAX_PHASES:
        raise InvalidInput.field("phases", f"At most {MAX_PHASES} phases.")
    return [_phase(actor, index, data) for index, data in enumerate(phases)]


def _set_phases(template: ReleaseTemplate, specs: list[dict[str, Any]]) -> None:
    template.phases.all().delete()
    TemplatePhase.objects.bulk_create([
        TemplatePhase(organization_id=template.organization_id, template=template, order=index + 1, **spec)
        for index, spec in enumerate(specs)])


def _phase_specs(template: ReleaseTemplate) -> list[dict[str, Any]]:
    return [{"name": p.name, "tier": p.tier, "duration_days": p.duration_days, "entry_criteria": p.entry_criteria,
             "exit_criteria": p.exit_criteria} for p in template.phases.order_by("order")]


def _name_taken(name: str) -> Conflict:
    message = f"A template named '{name}' already exists."
    return Conflict(message, fields={"name": [message]}, conflicts_with=[name])


def template_create(*, actor: Actor, name: str, phases: Sequence[Mapping[str, Any]], description: str = ""
                    ) -> ReleaseTemplate:
    """`phases`: [{"name", "tier", "duration_days", "entry_criteria": [...], "exit_criteria": [...]}]."""
    require(actor, Perm.MANAGE_RELEASES)
    name = require_text("name", name, max_length=120)
    specs = _specs(actor, phases)
    try:
        with transaction.atomic():
            template = ReleaseTemplate.objects.create(name=name, description=(description or "").strip())
            _set_phases(template, specs)
            audit_record(actor=actor, action="releasetemplate.created", instance=template,
                         after={**snapshot(template), "phases": specs})
    except IntegrityError as exc:
        raise _name_taken(name) from exc
    return template


def template_update(*, actor: Actor, template: ReleaseTemplate, name: str = UNSET, description: str = UNSET,
                    phases: Sequence[Mapping[str, Any]] = UNSET) -> ReleaseTemplate:
    """Change what is given; `phases` replaces every phase. Releases made from the template keep
    the phases and gates they were made with."""
    require(actor, Perm.MANAGE_RELEASES)
    specs = _specs(actor, phases) if phases is not UNSET else None
    try:
        with transaction.atomic():
            template = ReleaseTemplate.objects.select_for_update().get(pk=template.pk)
            before = {**snapshot(template), "phases": _phase_specs(template)}
            if name is not UNSET:
                template.name = require_text("name", name, max_length=120)
            if description is not UNSET:
                template.description = (description or "").strip()
            template.save()
            if specs is not None:
                _set_phases(template, specs)
            after = {**snapshot(template), "phases": _phase_specs(template)}
            if after != before:
                audit_record(actor=actor, action="releasetemplate.updated", instance=template, before=before,
                             after=after)
    except IntegrityError as exc:
        raise _name_taken(template.name) from exc
    return template


def template_delete(*, actor: Actor, template: ReleaseTemplate) -> None:
    """Releases made from it keep their phases and gates."""
    require(actor, Perm.MANAGE_RELEASES)
    delete_entity(template, actor=actor)
