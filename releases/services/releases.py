"""Releases and trains, their phases with entry and exit gates, dependencies, and advancing a
release through its phases (never past a gate that is not met)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from environments.models import Environment
from gates import services as gates
from gates.models import Gate, GateKind, Status
from gates.selectors import unmet_criteria
from releases.models import (
    Phase,
    PhaseStatus,
    Release,
    ReleaseDependency,
    ReleaseKind,
    ReleaseService,
    ReleaseStatus,
    ReleaseTemplate,
)
from releases.selectors import advance_freezes, template_plan
from releases.services._common import UNSET, prefixed, require, require_member, require_text, validate
from releases.services.freezes import LONGEST_OVERRIDE, freeze_override_grant
from vsm.accounts.models import User
from vsm.audit.services import audit_record, snapshot
from vsm.catalog.models import Service, ValueStream
from vsm.entities import delete_entity
from vsm.errors import Conflict, InvalidInput
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm

ServiceScope = Sequence[tuple[Service, str]]
PLANNABLE = (ReleaseStatus.DRAFT, ReleaseStatus.PLANNED)


def _release_snapshot(release: Release) -> dict[str, Any]:
    return {**snapshot(release), "services": [f"{link.service.slug}@{link.version}" if link.version
                                              else link.service.slug
                                              for link in release.service_links.select_related("service")]}


def _check_parent(parent: Release | None, kind: str, release: Release | None = None) -> None:
    if parent is None:
        return
    if kind == ReleaseKind.ENTERPRISE:
        raise InvalidInput.field("parent", "A release train does not belong to another train.")
    if parent.kind != ReleaseKind.ENTERPRISE:
        raise InvalidInput.field("parent", f"{parent} is not a release train (an enterprise release).")
    if release is not None and parent.pk == release.pk:
        raise InvalidInput.field("parent", "A release is not its own train.")
    if parent.is_closed:
        raise InvalidInput.field("parent", f"The train {parent} is {parent.get_status_display().lower()}.")


def _check_dates(start: datetime | None, end: datetime | None, *, required: bool = False) -> None:
    for name, value in (("planned_start", start), ("planned_end", end)):
        if value is None and required:
            raise InvalidInput.field(name, "This field is required.")
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            raise InvalidInput.field(name, "Give the time with its UTC offset.")
    if start is not None and end is not None and end <= start:
        raise InvalidInput.field("planned_end", "The end must be after the start.")


def _check_services(services: ServiceScope) -> list[tuple[Service, str]]:
    seen: dict[int, tuple[Service, str]] = {}
    for service, version in services:
        version = (version or "").strip()
        if len(version) > 120:
            raise InvalidInput.field("services", f"The version of {service.slug} is longer than 120 characters.")
        if service.pk in seen:
            raise InvalidInput.field("services", f"{service.slug} is listed twice.")
        seen[service.pk] = (service, version)
    return list(seen.values())


def _set_services(release: Release, services: list[tuple[Service, str]]) -> None:
    release.service_links.all().delete()
    ReleaseService.objects.bulk_create([
        ReleaseService(organization_id=release.organization_id, release=release, service=service, version=version)
        for service, version in services])


def _roll_up(release: Release) -> None:
    """A release's planned span follows its phases; its train's follows too."""
    span = Phase.objects.filter(release=release).aggregate(start=Min("planned_start"), end=Max("planned_end"))
    if span["start"] is not None:
        Release.objects.filter(pk=release.pk).update(planned_start=span["start"], planned_end=span["end"])
        release.planned_start, release.planned_end = span["start"], span["end"]
    if release.parent_id is not None:
        _roll_up_train(release.parent_id)


def _roll_up_train(train_id: int) -> None:
    """A train spans its own phases and its children that are not cancelled."""
    own = Phase.objects.filter(release_id=train_id).aggregate(start=Min("planned_start"), end=Max("planned_end"))
    children = Release.objects.filter(parent_id=train_id).exclude(status=ReleaseStatus.CANCELLED).aggregate(
        start=Min("planned_start"), end=Max("planned_end"))
    starts = [d for d in (own["start"], children["start"]) if d]
    ends = [d for d in (own["end"], children["end"]) if d]
    if starts and ends:
        Release.objects.filter(pk=train_id).update(planned_start=min(starts), planned_end=max(ends))


def release_create(*, actor: Actor, name: str, version: str, value_stream: ValueStream | None = None,
                   kind: str = ReleaseKind.PROJECT, parent: Release | None = None, owner: User | None = UNSET,
                   status: str = ReleaseStatus.DRAFT, risk: str = "medium", strategy: str = "rolling",
                   description: str = "", planned_start: datetime | None = None, planned_end: datetime | None = None,
                   services: ServiceScope = (), template: ReleaseTemplate | None = None) -> Release:
    """A release without phases (add them with phase_add, or use release_create_from_template).
    The owner (default: the person creating it) owns its gates and so may not sign them off."""
    require(actor, Perm.MANAGE_RELEASES)
    owner = actor.user if owner is UNSET else owner
    require_member("owner", owner)
    if status not in PLANNABLE:
        raise InvalidInput.field("status", "A new release is a draft or planned; phases move it on from there.")
    _check_parent(parent, kind)
    _check_dates(planned_start, planned_end)
    release = Release(
        name=require_text("name", name, max_length=200), version=require_text("version", version, max_length=120),
        value_stream=value_stream, kind=kind, parent=parent, owner=owner, status=status, risk=risk, strategy=strategy,
        description=description or "", planned_start=planned_start, planned_end=planned_end, template=template)
    validate(release, exclude=["parent", "value_stream", "owner", "template"])
    services = _check_services(services)
    with transaction.atomic():
        release.save()
        _set_services(release, services)
        _roll_up(release)
        audit_record(actor=actor, action="release.created", instance=release, after=_release_snapshot(release))
    return release


def release_create_from_template(*, actor: Actor, template: ReleaseTemplate, name: str, version: str,
                                 planned_start: datetime, value_stream: ValueStream | None = None,
                                 environments: Mapping[int, Environment | None] | None = None,
                                 **fields: Any) -> Release:
    """A release with the template's phases laid end to end from `planned_start`, each with its
    entry and exit gate (selectors.template_plan: a phase targets the environment given for its
    order in `environments`, else the value stream's, or a shared, environment of its tier)."""
    if planned_start is None:
        raise InvalidInput.field("planned_start", "A release made from a template needs its start.")
    _check_dates(planned_start, None)
    fields.setdefault("status", ReleaseStatus.PLANNED)
    with transaction.atomic():
        release = release_create(actor=actor, name=name, version=version, value_stream=value_stream,
                                 template=template, **fields)
        steps = sorted(template.phases.all(), key=lambda step: step.order)
        plan = template_plan(template=template, planned_start=planned_start, value_stream=value_stream,
                             environments=environments)
        previous = None
        for index, (step, planned) in enumerate(zip(steps, plan, strict=True)):
            try:
                phase = _phase_create(actor, release, name=planned.name, order=planned.order,
                                      environment=planned.environment, planned_start=planned.start,
                                      planned_end=planned.end, previous_gate_id=previous,
                                      entry_criteria=step.entry_criteria, exit_criteria=step.exit_criteria)
            except InvalidInput as exc:
                raise prefixed(exc, f"phases[{index}].") from exc
            previous = phase.exit_gate_id
        _roll_up(release)
    return release


def _gate_context(release: Release, phase: Phase) -> dict[str, Any]:
    return {"release_id": release.pk, "release_version": release.version, "phase_id": phase.pk,
            "phase": phase.name, "environment": phase.environment.slug if phase.environment_id else None}


def _gate(actor: Actor, release: Release, phase: Phase, kind: str, context: dict[str, Any],
          criteria: Sequence[Mapping[str, Any]], field: str) -> Gate:
    label = "entry" if kind == GateKind.ENTRY else "exit"
    if not isinstance(criteria, (list, tuple)):
        raise InvalidInput.field(field, "A list of criteria.")
    try:
        return gates.gate_create(actor=actor, name=f"{release} · {phase.name} {label}"[:200], kind=kind,
                                 owner=release.owner, context=context, criteria=criteria)
    except InvalidInput as exc:
        renamed = {name.replace("criteria", field, 1) if name.startswith("criteria") else name: messages
                   for name, messages in exc.fields.items()}
        raise InvalidInput(exc.message, fields=renamed) from exc


def _phase_create(actor: Actor, release: Release, *, name: str, order: int, environment: Environment | None,
                  planned_start: datetime, planned_end: datetime, previous_gate_id: int | None,
                  entry_criteria: Sequence[Mapping[str, Any]], exit_criteria: Sequence[Mapping[str, Any]]) -> Phase:
    """The phase and its two gates. The entry gate's context names the previous phase's exit gate
    and the exit gate's names the entry gate (`previous_gate_id`), for "previous gate met" criteria."""
    _check_dates(planned_start, planned_end, required=True)
    phase = Phase(release=release, name=require_text("name", name, max_length=60), order=order,
                  environment=environment, planned_start=planned_start, planned_end=planned_end)
    phase.save()
    context = _gate_context(release, phase)
    previous = {"previous_gate_id": previous_gate_id} if previous_gate_id else {}
    phase.entry_gate = _gate(actor, release, phase, GateKind.ENTRY, {**context, **previous}, entry_criteria,
                             "entry_criteria")
    phase.exit_gate = _gate(actor, release, phase, GateKind.EXIT, {**context, "previous_gate_id": phase.entry_gate.pk},
                            exit_criteria, "exit_criteria")
    phase.save(update_fields=["entry_gate", "exit_gate"])
    return phase


def _locked(release: Release) -> Release:
    release = Release.objects.select_for_update().get(pk=release.pk)
    if release.is_closed:
        raise Conflict(f"{release} is {release.get_status_display().lower()}: its plan no longer changes.",
                       conflicts_with=[f"release:{release.pk}"])
    return release


def release_update(*, actor: Actor, release: Release, name=UNSET, version=UNSET, value_stream=UNSET, kind=UNSET,
                   parent=UNSET, owner=UNSET, status=UNSET, risk=UNSET, strategy=UNSET, description=UNSET,
                   planned_start=UNSET, planned_end=UNSET, services=UNSET) -> Release:
    """Change what is given. Once a release has phases, its gates carry its version and owner,
    so those stay; its planned dates follow its phases. Status moves between draft and planned
    here, or to cancelled; phases move it on from there (release_advance_phase)."""
    require(actor, Perm.MANAGE_RELEASES)
    with transaction.atomic():
        release = _locked(release)
        before = _release_snapshot(release)
        has_phases = release.phases.exists()
        for field, value in (("version", version), ("owner", owner)):
            if value is not UNSET and has_phases and value != getattr(release, field):
                raise Conflict(f"The gates of {release} were made for its {field}; it can no longer change.",
                               fields={field: ["fixed once the release has phases"]},
                               conflicts_with=[f"release:{release.pk}"])
        for field, value in (("planned_start", planned_start), ("planned_end", planned_end)):
            if value is not UNSET and has_phases:
                raise Conflict("The planned dates of a release with phases follow its phases; move the phases.",
                               fields={field: ["follows the phases"]}, conflicts_with=[f"release:{release.pk}"])
        if status is not UNSET and status != release.status:
            if status not in (*PLANNABLE, ReleaseStatus.CANCELLED):
                raise InvalidInput.field("status", "Advance the phases to start or finish a release.")
            if status in PLANNABLE and release.status not in PLANNABLE:
                raise Conflict(f"{release} is under way; it can only be cancelled.", fields={"status": ["under way"]},
                               conflicts_with=[f"release:{release.pk}"])
            release.status = status
        if owner is not UNSET:
            require_member("owner", owner)
            release.owner = owner
        if kind is not UNSET and kind != release.kind and release.kind == ReleaseKind.ENTERPRISE \
                and release.children.exists():
            raise Conflict("This train has child releases; it stays a train.", fields={"kind": ["has children"]},
                           conflicts_with=[f"release:{release.pk}"])
        changes = {"name": name, "version": version, "value_stream": value_stream, "kind": kind, "parent": parent,
                   "risk": risk, "strategy": strategy, "description": description, "planned_start": planned_start,
                   "planned_end": planned_end}
        old_parent_id = release.parent_id
        for field, value in changes.items():
            if value is not UNSET:
                setattr(release, field, value)
        release.name = require_text("name", release.name, max_length=200)
        release.version = require_text("version", release.version, max_length=120)
        _check_parent(release.parent, release.kind, release)
        _check_dates(release.planned_start, release.planned_end)
        validate(release, exclude=["parent", "value_stream", "owner", "template"])
        release.updated_at = timezone.now()
        release.save()
        if services is not UNSET:
            _set_services(release, _check_services(services))
        _roll_up(release)
        if old_parent_id and old_parent_id != release.parent_id:
            _roll_up_train(old_parent_id)
        after = _release_snapshot(release)
        changed = {k for k in after if after[k] != before.get(k)} - {"updated_at"}
        if changed:
            audit_record(actor=actor, action="release.updated", instance=release, before=before, after=after)
    return release


# --- phases ---------------------------------------------------------------------------------

def phase_add(*, actor: Actor, release: Release, name: str, planned_start: datetime, planned_end: datetime,
              environment: Environment | None = None, entry_criteria: Sequence[Mapping[str, Any]] = (),
              exit_criteria: Sequence[Mapping[str, Any]] = ()) -> Phase:
    """A phase after the last one, with its entry and exit gates."""
    require(actor, Perm.MANAGE_RELEASES)
    with transaction.atomic():
        release = _locked(release)
        last = Phase.objects.filter(release=release).order_by("-order").first()
        phase = _phase_create(actor, release, name=name, order=(last.order + 1) if last else 1,
                              environment=environment, planned_start=planned_start, planned_end=planned_end,
                              previous_gate_id=last.exit_gate_id if last else None,
                              entry_criteria=list(entry_criteria), exit_criteria=list(exit_criteria))
        _roll_up(release)
        audit_record(actor=actor, action="phase.created", instance=phase, after=snapshot(phase),
                     object_repr=f"{phase.name} of {release}")
    return phase


def phase_update(*, actor: Actor, phase: Phase, name=UNSET, planned_start=UNSET, planned_end=UNSET,
                 environment=UNSET) -> Phase:
    """Rename, move or retarget a phase that is not done (see selectors.phase_collisions for what
    a move would collide with)."""
    require(actor, Perm.MANAGE_RELEASES)
    with transaction.atomic():
        release = _locked(phase.release)
        phase = Phase.objects.select_related("environment").get(pk=phase.pk, release=release)
        if phase.status == PhaseStatus.DONE:
            raise Conflict(f"{phase.name} is done; its dates are history.", conflicts_with=[f"phase:{phase.pk}"])
        before = snapshot(phase)
        if name is not UNSET:
            phase.name = require_text("name", name, max_length=60)
        if planned_start is not UNSET:
            phase.planned_start = planned_start
        if planned_end is not UNSET:
            phase.planned_end = planned_end
        if environment is not UNSET:
            phase.environment = environment
        _check_dates(phase.planned_start, phase.planned_end, required=True)
        phase.save()
        after = snapshot(phase)
        if after != before:
            _roll_up(release)
            audit_record(actor=actor, action="phase.updated", instance=phase, before=before, after=after,
                         object_repr=f"{phase.name} of {release}")
    return phase


def phase_remove(*, actor: Actor, phase: Phase) -> None:
    """Remove the last phase while it is pending. Its gates stay, as evidence."""
    require(actor, Perm.MANAGE_RELEASES)
    with transaction.atomic():
        release = _locked(phase.release)
        last = Phase.objects.filter(release=release).order_by("-order").first()
        if last is None or last.pk != phase.pk or last.status != PhaseStatus.PENDING:
            raise Conflict("Only the last phase, while pending, can be removed.", conflicts_with=[f"phase:{phase.pk}"])
        audit_record(actor=actor, action="phase.deleted", instance=last, before=snapshot(last),
                     object_repr=f"{last.name} of {release}")
        last.delete()
        _roll_up(release)


def release_advance_phase(*, actor: Actor, release: Release, phase_id: int | None = None,
                          override_reason: str = "") -> Release:
    """Finish the active phase and start the next (or start the first, or release after the
    last). Refused (409, naming every unmet criterion) while the active phase's exit gate or the
    next phase's entry gate is not met. The release row is locked and both gates are evaluated
    inside this transaction, so two requests never both pass. `phase_id`, when given, is the
    phase the caller means to move on (active, or the first to start): another answers 409.

    Starting a phase deploys into its environment, so a freeze in force there refuses the advance
    too (409 naming the freeze), unless an override lets the release through it or
    `override_reason` breaks the glass: an override per freeze is granted with the deployment
    check's rules and audit (freezes.freeze_override_grant: a person allowed to override freezes,
    or an emergency release; a token only with TOKENS_MAY_BREAK_GLASS)."""
    require(actor, Perm.MANAGE_RELEASES)
    frozen: list[dict[str, Any]] = []
    with transaction.atomic():
        release = _locked(release)
        phases = list(Phase.objects.filter(release=release).select_related("entry_gate", "exit_gate", "environment")
                      .order_by("order"))
        active = next((p for p in phases if p.status == PhaseStatus.ACTIVE), None)
        following = next((p for p in phases if p.status == PhaseStatus.PENDING
                          and (active is None or p.order > active.order)), None)
        moving = active or following
        if moving is None:
            raise Conflict(f"{release} has no phase left to advance.", conflicts_with=[f"release:{release.pk}"])
        if phase_id is not None and moving.pk != phase_id:
            raise Conflict(f"The phase to advance is now {moving.name}; reload and try again.",
                           fields={"phase": [f"the current phase is {moving.name}"]},
                           conflicts_with=[f"phase:{moving.pk}"])
        checked = [gates.gate_evaluate(actor=actor, gate=gate) for gate in (
            active.exit_gate if active else None, following.entry_gate if following else None) if gate is not None]
        unmet = [gate for gate in checked if gate.status != Status.MET]
        if unmet:
            criteria = unmet_criteria(gates=unmet)
            details = [{"gate": gate.pk, "name": gate.name, "kind": gate.kind, "criteria": criteria[gate.pk]}
                       for gate in unmet]
            message = "Not advanced: " + "; ".join(_unmet_text(d) for d in details) + "."
            # Committed with the evaluations: the refusal and what it saw are evidence too.
            audit_record(actor=actor, action="release.advance_refused", instance=release, message=message,
                         after={"gates": details})
        else:
            frozen = _through_freezes(actor, release, following, override_reason)
            if frozen:
                message = _frozen_text(following, frozen)
                audit_record(actor=actor, action="release.advance_refused", instance=release, message=message,
                             after={"freezes": frozen})
            else:
                _advance(actor, release, active, following)
    if unmet:
        raise Conflict(message[:2000], fields={"phase": [message[:500]]}, gates=details)
    if frozen:
        raise Conflict(message[:2000], fields={"override_reason": [message[:500]]}, freezes=frozen,
                       conflicts_with=[f"freeze_window:{f['freeze_window']}" for f in frozen])
    return release


def _through_freezes(actor: Actor, release: Release, following: Phase | None, reason: str) -> list[dict[str, Any]]:
    """The freezes in force on the environment `following` deploys into that no override lets the
    release through; with a `reason`, the glass is broken for each instead (none are left)."""
    blocking = [f for f in advance_freezes(release=release, phase=following) if f.override is None]
    if blocking and (reason or "").strip():
        now = timezone.now()
        for found in blocking:
            freeze_override_grant(actor=actor, window=found.occurrence.window, reason=reason, release=release,
                                  expires_at=min(found.occurrence.end, now + LONGEST_OVERRIDE))
        return []
    return [{"freeze_window": f.occurrence.window.pk, "name": f.occurrence.window.name, "ends_at": f.occurrence.end,
             "reason": f.occurrence.window.reason} for f in blocking]


def _frozen_text(phase: Phase, frozen: list[dict[str, Any]]) -> str:
    names = "; ".join(f"'{f['name']}' until {f['ends_at'].isoformat()}" + (f" ({f['reason']})" if f["reason"] else "")
                      for f in frozen)
    return (f"Not advanced: starting {phase.name} deploys into {phase.environment.name}, which is frozen: {names}. "
            "Break the glass with a reason to go ahead.")


def _unmet_text(gate: dict[str, Any]) -> str:
    criteria = ", ".join(f"{c['title']} ({c['state']})" for c in gate["criteria"])
    return f"'{gate['name']}' is not met: {criteria}"


def _advance(actor: Actor, release: Release, active: Phase | None, following: Phase | None) -> None:
    now = timezone.now()
    before = {"status": release.status, "active_phase": active.name if active else None}
    if active is not None:
        active.status, active.actual_end = PhaseStatus.DONE, now
        active.save(update_fields=["status", "actual_end"])
    if following is not None:
        following.status, following.actual_start = PhaseStatus.ACTIVE, now
        following.save(update_fields=["status", "actual_start"])
        release.status = ReleaseStatus.IN_PROGRESS
        release.actual_start = release.actual_start or now
    else:
        release.status, release.actual_end = ReleaseStatus.RELEASED, now
    release.updated_at = now
    release.save(update_fields=["status", "actual_start", "actual_end", "updated_at"])
    audit_record(actor=actor, action="release.phase_advanced", instance=release, before=before,
                 after={"status": release.status, "active_phase": following.name if following else None})


# --- dependencies ---------------------------------------------------------------------------

def _depends_transitively(start: Release, target: Release) -> bool:
    seen, frontier = set(), {start.pk}
    while frontier:
        if target.pk in frontier:
            return True
        seen |= frontier
        frontier = set(ReleaseDependency.objects.filter(release_id__in=frontier).values_list(
            "depends_on_id", flat=True)) - seen
    return False


def dependency_add(*, actor: Actor, release: Release, depends_on: Release, needed_by: datetime | None = None,
                   note: str = "") -> ReleaseDependency:
    """`release` needs `depends_on` finished by `needed_by` (empty: by its planned start). Works
    across value streams; a cycle is refused."""
    require(actor, Perm.MANAGE_RELEASES)
    if depends_on.pk == release.pk:
        raise InvalidInput.field("depends_on", "A release does not depend on itself.")
    if needed_by is not None and (needed_by.tzinfo is None or needed_by.utcoffset() is None):
        raise InvalidInput.field("needed_by", "Give the time with its UTC offset.")
    if len(note or "") > 300:
        raise InvalidInput.field("note", "Keep the note to 300 characters.")
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        if _depends_transitively(depends_on, release):
            raise Conflict(f"{depends_on} already depends on {release}: that would be a cycle.",
                           fields={"depends_on": ["would make a cycle"]}, conflicts_with=[f"release:{depends_on.pk}"])
        try:
            with transaction.atomic():
                dependency = ReleaseDependency.objects.create(release=release, depends_on=depends_on,
                                                              needed_by=needed_by, note=(note or "").strip())
        except IntegrityError as exc:
            raise Conflict(f"{release} already depends on {depends_on}.", fields={"depends_on": ["already listed"]},
                           conflicts_with=[f"release:{depends_on.pk}"]) from exc
        audit_record(actor=actor, action="releasedependency.created", instance=dependency,
                     after=snapshot(dependency), object_repr=f"{release} needs {depends_on}")
    return dependency


def dependency_remove(*, actor: Actor, dependency: ReleaseDependency) -> None:
    require(actor, Perm.MANAGE_RELEASES)
    delete_entity(dependency, actor=actor)

