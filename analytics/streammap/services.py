"""The services that define the stages of the organization's value stream maps (administrators
only, every change audited)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from analytics.models import ValueStreamStage
from analytics.streammap.events import DEFAULT_STAGES, EVENT_ORDER, EVENTS
from vsm.audit.services import audit_record, snapshot
from vsm.catalog.models import ValueStream
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm

NAME_MAX = ValueStreamStage._meta.get_field("name").max_length


def _require(actor: Actor) -> None:
    if not actor.has(Perm.MANAGE_ORGANIZATION):
        raise PermissionRefused("Only administrators may change the value stream map's stages.")


def _validated(*, name: str, start_event: str, end_event: str) -> dict:
    name = (name or "").strip()
    fields: dict[str, list[str]] = {}
    if not name:
        fields["name"] = ["A name is required."]
    elif len(name) > NAME_MAX:
        fields["name"] = [f"At most {NAME_MAX} characters."]
    for field, value in (("start_event", start_event), ("end_event", end_event)):
        if value not in EVENTS:
            fields[field] = [f"'{value}' is not one of {', '.join(EVENTS)}."]
    if not fields and EVENT_ORDER[end_event] <= EVENT_ORDER[start_event]:
        fields["end_event"] = [f"The end event must come after '{EVENTS[start_event]}' in the event order."]
    if fields:
        first, messages = next(iter(fields.items()))
        raise InvalidInput(f"{first}: {messages[0]}", fields=fields)
    return {"name": name, "start_event": start_event, "end_event": end_event}


def _next_position(value_stream: ValueStream | None) -> int:
    highest = ValueStreamStage.objects.filter(value_stream=value_stream).aggregate(top=Max("position"))["top"]
    return 1 if highest is None else highest + 1


@transaction.atomic
def value_stream_stage_create(*, actor: Actor, value_stream: ValueStream | None, name: str, start_event: str,
                              end_event: str, position: int | None = None) -> ValueStreamStage:
    """A stage at the end of the map (or at `position`); the first stage of a map replaces the
    stages it inherited (the organization's or the built-in ones)."""
    _require(actor)
    values = _validated(name=name, start_event=start_event, end_event=end_event)
    stage = ValueStreamStage.objects.create(
        value_stream=value_stream, position=position if position is not None else _next_position(value_stream),
        **values)
    audit_record(actor=actor, action="valuestreamstage.created", instance=stage, after=snapshot(stage))
    return stage


@transaction.atomic
def value_stream_stage_update(*, actor: Actor, stage: ValueStreamStage, name: str, start_event: str,
                              end_event: str, position: int | None = None) -> ValueStreamStage:
    _require(actor)
    values = _validated(name=name, start_event=start_event, end_event=end_event)
    before = snapshot(stage)
    for field, value in values.items():
        setattr(stage, field, value)
    if position is not None:
        stage.position = position
    if snapshot(stage) != before:
        stage.save()
        audit_record(actor=actor, action="valuestreamstage.updated", instance=stage, before=before,
                     after=snapshot(stage))
    return stage


@transaction.atomic
def value_stream_stage_delete(*, actor: Actor, stage: ValueStreamStage) -> None:
    """Remove a stage; a map left without stages falls back to the ones it inherits."""
    _require(actor)
    audit_record(actor=actor, action="valuestreamstage.deleted", instance=stage, before=snapshot(stage))
    stage.delete()


@transaction.atomic
def value_stream_stages_copy_defaults(*, actor: Actor, value_stream: ValueStream | None) -> list[ValueStreamStage]:
    """Store the built-in stages as the map's own, to edit from there. Refused when the map
    already has stages."""
    _require(actor)
    if ValueStreamStage.objects.filter(value_stream=value_stream).exists():
        raise Conflict("This map has stages of its own already; edit them instead.")
    return [value_stream_stage_create(actor=actor, value_stream=value_stream, name=stage.name,
                                      start_event=stage.start_event, end_event=stage.end_event, position=position)
            for position, stage in enumerate(DEFAULT_STAGES, start=1)]
