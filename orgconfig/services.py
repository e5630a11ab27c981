"""Plan and apply a configuration file.

Both run the same changes through the apps' services inside one transaction; a plan rolls it
back, so a plan that answers is a promise that the apply will pass every rule the services hold
(a template's criteria, a freeze's scope, a team's members). Creates and updates go in the
file's section order (what is named exists before what names it), deletes in reverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from orgconfig.errors import FileError
from orgconfig.kinds import KINDS, Refs, comparable
from orgconfig.models import ChangeSet, ManagedObject, RepositorySource
from orgconfig.plan import Desired, desired_from, reference_problems, stored_records
from orgconfig.spec import SECTION, SECTIONS
from vsm.audit.services import audit_record, snapshot
from vsm.errors import DomainError, InvalidInput, PermissionRefused
from vsm.middleware import current_request_id
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import require_org_id
from vsm.tenancy.roles import Perm

CREATE, UPDATE, DELETE = "create", "update", "delete"


@dataclass
class Change:
    action: str
    section: str
    key: str
    fields: dict[str, dict[str, Any]]
    obj: Any = None
    record: dict[str, Any] | None = None
    drift: bool = False

    def as_dict(self) -> dict[str, Any]:
        out = {"action": self.action, "kind": self.section, "key": self.key, "fields": self.fields}
        if self.drift:
            out["drift"] = True
        return out


class _DryRun(Exception):
    """Rolls back what a plan tried."""


def _require(actor: Actor) -> None:
    if not actor.has(Perm.MANAGE_ORGANIZATION):
        raise PermissionRefused("Your role may not change the organization's configuration.")


def _changed(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    before, after = comparable(before or {}), comparable(after or {})
    names = list(after or before)
    return {name: {"from": (before or {}).get(name), "to": (after or {}).get(name)} for name in names
            if (before or {}).get(name) != (after or {}).get(name)}


def _diff(desired: Desired, stored: dict, managed: dict[tuple[str, str], dict], *, prune: bool) -> list[Change]:
    changes: list[Change] = []
    for section in SECTIONS:
        wanted, have = desired.records.get(section.name, {}), stored[section.name]
        for key, record in wanted.items():
            if key not in have or (not section.many and not have[key][0].pk):
                changes.append(Change(CREATE, section.name, key, _changed(None, record), record=record,
                                      obj=have.get(key, (None,))[0]))
            elif (fields := _changed(have[key][1], record)):
                applied = managed.get((section.name, key))
                changes.append(Change(UPDATE, section.name, key, fields, obj=have[key][0], record=record,
                                      drift=applied is not None and comparable(applied) != comparable(have[key][1])))
    if prune:
        for section in reversed(SECTIONS):
            if section.many:
                changes += [Change(DELETE, section.name, key, {}, obj=obj)
                            for key, (obj, _record) in have_not_wanted(desired, stored, section.name)]
    return changes


def have_not_wanted(desired: Desired, stored: dict, section: str) -> list[tuple[str, tuple]]:
    wanted = desired.records.get(section, {})
    return [(key, row) for key, row in stored[section].items() if key not in wanted]


def _refused(change: Change, desired: Desired, error: DomainError) -> DomainError:
    """A service's refusal, said of the file: its line and field for a create or an update, the
    object for a delete."""
    section = SECTION[change.section]
    if change.action == DELETE or not isinstance(error, InvalidInput) or isinstance(error, FileError):
        what = f"{change.action} {change.section.replace('_', ' ')} '{change.key}'"
        return type(error)(f"Cannot {what}: {error.message}", fields=error.fields,
                           **{**error.details, "kind": change.section, "key": change.key})
    problems = [desired.problem(section, change.key, name, messages[0]) for name, messages in error.fields.items()]
    return FileError(problems or [desired.problem(section, change.key, "", error.message)])


def _execute(actor: Actor, changes: list[Change], desired: Desired) -> None:
    refs = Refs()
    for change in changes:
        kind = KINDS[change.section]
        try:
            if change.action == CREATE and change.obj is None:
                kind.create(actor, change.record, refs)
            elif change.action in (CREATE, UPDATE):
                kind.update(actor, change.obj, change.record, refs)
            else:
                kind.delete(actor, change.obj)
        except DomainError as error:
            raise _refused(change, desired, error) from error
        refs.forget(change.section)


def _prepare(actor: Actor, data: bytes, *, prune: bool) -> tuple[Desired, dict, list[Change]]:
    _require(actor)
    desired = desired_from(data)
    stored = stored_records()
    problems = reference_problems(desired, stored, prune=prune)
    if problems:
        raise FileError(problems)
    managed = {(m.section, m.key): m.applied for m in ManagedObject.objects.all()}
    return desired, stored, _diff(desired, stored, managed, prune=prune)


def config_plan(*, actor: Actor, data: bytes, prune: bool = False) -> list[dict[str, Any]]:
    """What applying the file would change, tried and rolled back; nothing is written."""
    desired, _stored, changes = _prepare(actor, data, prune=prune)
    try:
        with transaction.atomic():
            _execute(actor, changes, desired)
            raise _DryRun
    except _DryRun:
        pass
    return [change.as_dict() for change in changes]


@transaction.atomic
def config_apply(*, actor: Actor, data: bytes, prune: bool = False, source: str = "",
                 origin: str = ChangeSet.Origin.API) -> tuple[ChangeSet | None, list[dict[str, Any]]]:
    """Apply the file in one transaction, recorded as one change set (none when nothing changed)."""
    if len(source) > 200:
        raise InvalidInput.field("source", "At most 200 characters.")
    desired, _stored, changes = _prepare(actor, data, prune=prune)
    plan = [change.as_dict() for change in changes]
    if not changes and _managed_match(desired):
        return None, plan
    _execute(actor, changes, desired)
    change_set = ChangeSet.objects.create(actor_user=actor.user, actor_label=actor.label[:254], origin=origin,
                                          source=source, prune=prune, changes=plan,
                                          request_id=current_request_id())
    _mark_managed(desired, change_set)
    audit_record(actor=actor, action="changeset.applied", instance=change_set,
                 after={"changes": len(plan), "prune": prune, "source": source},
                 message=f"configuration file applied{f' from {source}' if source else ''}")
    return change_set, plan


def _managed_match(desired: Desired) -> bool:
    """Whether the managed marks already say what the file says (else an apply records them)."""
    stored = {(m.section, m.key): m.applied for m in ManagedObject.objects.all()}
    return stored == {(s, k): r for s, records in desired.records.items() for k, r in records.items()}


def _mark_managed(desired: Desired, change_set: ChangeSet) -> None:
    """The file's objects are marked as managed, with the records it wrote; others no longer are."""
    ManagedObject.objects.all().delete()
    ManagedObject.objects.bulk_create([
        ManagedObject(organization_id=require_org_id(), section=section, key=key, applied=record,
                      change_set=change_set)
        for section, records in desired.records.items() for key, record in records.items()])



REPOSITORY_KINDS = ("github", "gitlab")


@transaction.atomic
def repository_source_set(*, actor: Actor, connection, repository: str, path: str, branch: str,
                          apply_on_push: bool) -> RepositorySource:
    """Where the organization's file lives (one place per organization; setting it again moves it)."""
    _require(actor)
    if connection.kind not in REPOSITORY_KINDS or not connection.is_active:
        raise InvalidInput.field("connection", "Choose an active GitHub or GitLab connection.")
    values = {"connection": connection, "repository": repository.strip(), "path": path.strip().lstrip("/"),
              "branch": branch.strip(), "apply_on_push": apply_on_push}
    for name in ("repository", "path", "branch"):
        if not values[name]:
            raise InvalidInput.field(name, "This field is required.")
    source = RepositorySource.objects.select_for_update().first()
    before = snapshot(source) if source else None
    source = source or RepositorySource()
    for name, value in values.items():
        setattr(source, name, value)
    source.save()
    audit_record(actor=actor, action="repositorysource.updated" if before else "repositorysource.created",
                 instance=source, before=before, after=snapshot(source))
    return source
