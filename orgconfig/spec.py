"""The configuration file's format, version 1: the one source of the JSON Schema (served at
`config/schema/` and kept in docs/config-schema.v1.json), of the defaults a plan fills in, and of
the order in which an export writes sections and fields.

A section is a list of objects of one kind, keyed by one field (a slug or a name), or a single
object (the organization's settings). Adding a kind (metric goals, once they exist) is adding a
Section here and a Kind in orgconfig.kinds: the schema, export, plan and apply follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analytics.streammap.events import EVENTS
from environments.models import Tier
from integrations.normalized import Source
from vsm.tenancy.roles import Role

VERSION = 1
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
TIERS = list(Tier.values)
ROLES = list(Role.values)
STAGE_EVENTS = list(EVENTS)
CONNECTION_KINDS = [source.value for source in Source]
REQUIRED = object()


@dataclass(frozen=True)
class Field:
    name: str
    schema: dict[str, Any]
    default: Any = REQUIRED
    ref: str | None = None  # the section whose key this field names (a list of keys for a list)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Section:
    name: str
    title: str
    fields: tuple[Field, ...]
    key: str | None = None  # None: a single object, not a list
    many: bool = field(default=True)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def text(max_length: int, *, min_length: int = 0) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, "minLength": min_length}


def slug() -> dict[str, Any]:
    return {"type": "string", "maxLength": 60, "minLength": 1, "pattern": SLUG_PATTERN}


def optional_slug() -> dict[str, Any]:
    return {"oneOf": [slug(), {"type": "null"}]}


def integer(minimum: int, maximum: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


BOOLEAN = {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time",
            "description": "ISO 8601 with its UTC offset, e.g. 2026-12-24T18:00:00+01:00"}
SECRET_REF = {
    "type": "object", "additionalProperties": False, "required": ["secret_ref"],
    "properties": {"secret_ref": {"const": "stored", "description": "keep the secret stored in Sluice; a secret "
                                  "is never written in the file"}},
}
CRITERION = {
    "type": "object", "additionalProperties": False, "required": ["title", "type"],
    "properties": {
        "title": text(200, min_length=1), "type": {"enum": ["manual", "automated"]}, "description": text(5000),
        "signer_role": {"enum": ROLES, "description": "manual: the role that signs it off"},
        "required_sign_offs": integer(1, 20),
        "rule": {"type": "string", "maxLength": 100, "description": "automated: a rule of GET rules/"},
        "params": {"type": "object", "description": "automated: the rule's parameters"},
    },
}
PHASE = {
    "type": "object", "additionalProperties": False, "required": ["name"],
    "properties": {
        "name": text(60, min_length=1), "tier": {"enum": ["", *TIERS]}, "duration_days": integer(1, 365),
        "entry_criteria": {"type": "array", "items": CRITERION},
        "exit_criteria": {"type": "array", "items": CRITERION},
    },
}
MEMBER = {
    "type": "object", "additionalProperties": False, "required": ["email"],
    "properties": {"email": {"type": "string", "format": "email", "maxLength": 254},
                   "role": {"enum": ["member", "manager"], "description": "managers approve the team's environments"}},
}
STAGE = {
    "type": "object", "additionalProperties": False, "required": ["name", "start_event", "end_event"],
    "properties": {"name": text(80, min_length=1), "start_event": {"enum": STAGE_EVENTS},
                   "end_event": {"enum": STAGE_EVENTS}},
}
RECURRENCE = (
    Field("starts_at", DATETIME),
    Field("ends_at", DATETIME),
    Field("rrule", {"type": "string", "maxLength": 500, "description": "RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=FR"},
          ""),
    Field("exdates", {"type": "array", "items": DATETIME, "description": "starts of occurrences that do not happen"},
          []),
    Field("time_zone", {"type": "string", "maxLength": 64, "description": "the zone the rule repeats in"}, "UTC"),
)

SECTIONS: tuple[Section, ...] = (
    Section("value_streams", "Value streams", key="slug", fields=(
        Field("slug", slug()), Field("name", text(120, min_length=1)), Field("description", text(5000), ""))),
    Section("teams", "Teams", key="slug", fields=(
        Field("slug", slug()), Field("name", text(120, min_length=1)), Field("description", text(5000), ""),
        Field("members", {"type": "array", "items": MEMBER}, []))),
    Section("services", "Services", key="slug", fields=(
        Field("slug", slug()), Field("name", text(120, min_length=1)),
        Field("repository_url", {"type": "string", "maxLength": 200}, ""),
        Field("value_stream", optional_slug(), None, ref="value_streams"),
        Field("team", optional_slug(), None, ref="teams"),
        Field("description", text(5000), ""))),
    Section("environment_groups", "Environment groups", key="slug", fields=(
        Field("slug", slug()), Field("name", text(120, min_length=1)), Field("description", text(5000), ""))),
    Section("environments", "Environments", key="slug", fields=(
        Field("slug", slug()), Field("name", text(120, min_length=1)), Field("tier", {"enum": TIERS}, "test"),
        Field("is_production", BOOLEAN, False),
        Field("value_stream", optional_slug(), None, ref="value_streams"),
        Field("owning_team", optional_slug(), None, ref="teams"),
        Field("group", optional_slug(), None, ref="environment_groups"),
        Field("url", {"type": "string", "maxLength": 200}, ""), Field("description", text(5000), ""),
        Field("is_bookable", BOOLEAN, True), Field("requires_booking", BOOLEAN, True),
        Field("requires_approval", BOOLEAN, False), Field("requires_deployment_approval", BOOLEAN, False),
        Field("max_booking_hours", {"oneOf": [integer(1, 100000), {"type": "null"}]}, None),
        Field("capacity", integer(1, 1000), 1))),
    Section("release_templates", "Release templates", key="name", fields=(
        Field("name", text(120, min_length=1)), Field("description", text(5000), ""),
        Field("phases", {"type": "array", "items": PHASE, "minItems": 1, "maxItems": 20}))),
    Section("freeze_windows", "Freeze windows", key="name", fields=(
        Field("name", text(200, min_length=1)), Field("reason", text(5000), ""),
        Field("scope", {"enum": ["organization", "value_stream", "environments", "tier"]}, "organization"),
        Field("value_stream", optional_slug(), None, ref="value_streams"),
        Field("tier", {"enum": ["", *TIERS]}, ""),
        Field("environments", {"type": "array", "items": slug()}, [], ref="environments"),
        *RECURRENCE)),
    Section("release_slot_windows", "Release slot windows", key="name", fields=(
        Field("name", text(200, min_length=1)), Field("capacity", integer(1, 100), 3), *RECURRENCE)),
    Section("value_stream_maps", "Value stream map stages", key="value_stream", fields=(
        Field("value_stream", optional_slug(), ref="value_streams"),
        Field("stages", {"type": "array", "items": STAGE, "minItems": 1}))),
    Section("connections", "Connections (secrets are referenced, never written)", key="name", fields=(
        Field("name", text(120, min_length=1)), Field("kind", {"enum": CONNECTION_KINDS}),
        Field("base_url", {"type": "string", "maxLength": 200}, ""),
        Field("options", {"type": "object"}, {}), Field("mapping", {"type": "object"}, {}),
        Field("sync_enabled", BOOLEAN, False), Field("sync_interval_minutes", integer(1, 7 * 24 * 60), 15),
        Field("writeback_enabled", BOOLEAN, False),
        Field("webhook_secret", SECRET_REF, None), Field("credentials", SECRET_REF, None))),
    Section("delivery_settings", "Delivery settings", many=False, fields=(
        Field("attribute_incidents_by_time", BOOLEAN, True),
        Field("incident_attribution_hours", integer(1, 24 * 90), 168))),
    Section("release_settings", "Release settings", many=False, fields=(
        Field("require_release_slots", BOOLEAN, False),)),
)
SECTION = {section.name: section for section in SECTIONS}


def _object_schema(section: Section) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False,
            "required": [f.name for f in section.fields if f.required],
            "properties": {f.name: f.schema for f in section.fields}}


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a version 1 file (draft 2020-12)."""
    properties: dict[str, Any] = {"version": {"const": VERSION}}
    for section in SECTIONS:
        item = _object_schema(section)
        properties[section.name] = (
            {"title": section.title, "type": "array", "items": item} if section.many else {"title": section.title,
                                                                                          **item})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://sluice.dev/schemas/config/v1.json",
        "title": "Sluice organization configuration, version 1",
        "type": "object", "additionalProperties": False, "required": ["version"], "properties": properties,
    }
