"""Each section of the file bound to its app: the stored objects read through the app's selectors
as records (the file's values, defaults filled in), and writes through the app's services, so the
file obeys every rule the pages and the API obey.

A record is a dict of the section's fields in the spec's order, JSON-safe: references are keys
(slugs, names), times are UTC ISO 8601 text. Two records are equal exactly when applying one over
the other changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models

from analytics.streammap import selectors as stream_stage_reads
from analytics.streammap import services as stream_stages
from environments import services as environments
from environments.selectors import environment_list, group_list
from integrations.connection_selectors import connection_list, delivery_settings_get
from integrations.services.connections import connection_archive, connection_create, connection_update
from integrations.services.delivery_settings import delivery_settings_update
from orgconfig.spec import SECTION, Section
from releases import services as releases
from releases.selectors import freeze_window_list, release_settings_get, slot_window_list, template_list
from vsm.catalog import services as catalog
from vsm.catalog.selectors import service_list, team_list, value_stream_list
from vsm.errors import Conflict, InvalidInput
from vsm.tenancy.actor import Actor

ORGANIZATION_MAP = "(organization)"  # the key of the value stream map that belongs to no value stream
STORED = {"secret_ref": "stored"}
SECRETS = ("webhook_secret", "credentials")
CRITERION_KEYS = ("title", "type", "description", "signer_role", "required_sign_offs", "rule", "params")


def utc_text(value: datetime | str) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC).isoformat()


def local_text(value: str, time_zone: str) -> str:
    """A UTC time as the file writes it: in the zone its rule repeats in."""
    return datetime.fromisoformat(value).astimezone(ZoneInfo(time_zone)).isoformat()


def criterion(data: dict[str, Any]) -> dict[str, Any]:
    """A criterion as given (the gates' rules judge it), its keys in one order, defaults filled in."""
    defaults = {"required_sign_offs": 1} if data.get("type") == "manual" else {"params": {}}
    merged = {**defaults, **data}
    return {name: merged[name] for name in CRITERION_KEYS if name in merged}


def phase(data: dict[str, Any]) -> dict[str, Any]:
    return {"name": data.get("name"), "tier": data.get("tier") or "", "duration_days": data.get("duration_days", 5),
            "entry_criteria": [criterion(c) for c in data.get("entry_criteria") or []],
            "exit_criteria": [criterion(c) for c in data.get("exit_criteria") or []]}


def members(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    return sorted(({"email": m["email"].strip().lower(), "role": m.get("role") or "member"} for m in items),
                  key=lambda m: m["email"])


def normalized(section: Section, item: dict[str, Any]) -> dict[str, Any]:
    """A record from the file: every field, defaults filled in, in the form stored records take."""
    record = {f.name: item.get(f.name, f.default) for f in section.fields}
    for name in ("starts_at", "ends_at"):
        if name in record:
            record[name] = utc_text(record[name])
    if "exdates" in record:
        record["exdates"] = sorted(utc_text(value) for value in record["exdates"])
    if section.name == "teams":
        record["members"] = members(record["members"])
    if section.name == "release_templates":
        record["phases"] = [phase(p) for p in record["phases"]]
    if section.name == "freeze_windows":
        record["environments"] = sorted(set(record["environments"]))
    return record


def comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A record without what a file cannot change: secrets are only ever referenced."""
    return {name: value for name, value in record.items() if name not in SECRETS}


def _slug(obj: models.Model | None) -> str | None:
    return obj.slug if obj is not None else None


def _recurrence(window) -> dict[str, Any]:
    return {"starts_at": utc_text(window.starts_at), "ends_at": utc_text(window.ends_at), "rrule": window.rrule,
            "exdates": sorted(utc_text(d) for d in window.exdates or ()), "time_zone": window.time_zone}


class Kind:
    """One section: read its stored objects as records, write them through services."""

    section: Section

    def rows(self) -> dict[str, Any]:
        raise NotImplementedError

    def record(self, obj) -> dict[str, Any]:
        raise NotImplementedError

    def create(self, actor: Actor, record: dict[str, Any], refs: Refs) -> None:
        raise NotImplementedError

    def update(self, actor: Actor, obj, record: dict[str, Any], refs: Refs) -> None:
        raise NotImplementedError

    def delete(self, actor: Actor, obj) -> None:
        raise NotImplementedError


class Refs:
    """The objects a record names, read when it is applied (so objects created earlier in the
    same apply are found)."""

    def __init__(self):
        self._rows: dict[str, dict[str, Any]] = {}

    def forget(self, section: str) -> None:
        self._rows.pop(section, None)

    def get(self, section: str, key: str | None):
        if key is None:
            return None
        if section not in self._rows:
            self._rows[section] = KINDS[section].rows()
        return self._rows[section][key]


class ValueStreams(Kind):
    section = SECTION["value_streams"]

    def rows(self):
        return {v.slug: v for v in value_stream_list()}

    def record(self, v):
        return {"slug": v.slug, "name": v.name, "description": v.description}

    def create(self, actor, record, refs):
        catalog.value_stream_create(actor=actor, **record)

    def update(self, actor, obj, record, refs):
        catalog.value_stream_update(actor=actor, value_stream=obj, **record)

    def delete(self, actor, obj):
        catalog.value_stream_delete(actor=actor, value_stream=obj)


def _team_people(record) -> dict[str, list[str]]:
    return {"members": [m["email"] for m in record["members"]],
            "managers": [m["email"] for m in record["members"] if m["role"] == "manager"]}


class Teams(Kind):
    section = SECTION["teams"]

    def rows(self):
        return {t.slug: t for t in team_list()}

    def record(self, t):
        people = [{"email": m.user.email, "role": "manager" if m.is_manager else "member"}
                  for m in t.memberships.all()]
        return {"slug": t.slug, "name": t.name, "description": t.description, "members": members(people)}

    def create(self, actor, record, refs):
        catalog.team_create(actor=actor, name=record["name"], slug=record["slug"],
                            description=record["description"], **_team_people(record))

    def update(self, actor, obj, record, refs):
        catalog.team_update(actor=actor, team=obj, name=record["name"], slug=record["slug"],
                            description=record["description"], **_team_people(record))

    def delete(self, actor, obj):
        catalog.team_delete(actor=actor, team=obj)


class Services(Kind):
    section = SECTION["services"]

    def rows(self):
        return {s.slug: s for s in service_list()}

    def record(self, s):
        return {"slug": s.slug, "name": s.name, "repository_url": s.repository_url,
                "value_stream": _slug(s.value_stream), "team": _slug(s.team), "description": s.description}

    def _values(self, record, refs):
        return {**record, "value_stream": refs.get("value_streams", record["value_stream"]),
                "team": refs.get("teams", record["team"])}

    def create(self, actor, record, refs):
        catalog.service_create(actor=actor, **self._values(record, refs))

    def update(self, actor, obj, record, refs):
        catalog.service_update(actor=actor, service=obj, **self._values(record, refs))

    def delete(self, actor, obj):
        catalog.service_delete(actor=actor, service=obj)


class EnvironmentGroups(Kind):
    section = SECTION["environment_groups"]

    def rows(self):
        return {g.slug: g for g in group_list()}

    def record(self, g):
        return {"slug": g.slug, "name": g.name, "description": g.description}

    def create(self, actor, record, refs):
        environments.group_create(actor=actor, **record)

    def update(self, actor, obj, record, refs):
        if obj.slug != record["slug"]:  # a group's slug never changes once made
            raise InvalidInput.field("slug", "A group's slug cannot change.")
        environments.group_update(actor=actor, group=obj, name=record["name"], description=record["description"])

    def delete(self, actor, obj):
        environments.group_delete(actor=actor, group=obj)


class Environments(Kind):
    section = SECTION["environments"]
    _refs = {"value_stream": "value_streams", "owning_team": "teams", "group": "environment_groups"}

    def rows(self):
        return {e.slug: e for e in environment_list()}

    def record(self, e):
        out = {f.name: getattr(e, f.name) for f in self.section.fields}
        out.update({name: _slug(getattr(e, name)) for name in self._refs})
        return out

    def _values(self, record, refs):
        return {**record, **{name: refs.get(section, record[name]) for name, section in self._refs.items()}}

    def create(self, actor, record, refs):
        environments.environment_create(actor=actor, **self._values(record, refs))

    def update(self, actor, obj, record, refs):
        environments.environment_update(actor=actor, environment=obj, **self._values(record, refs))

    def delete(self, actor, obj):
        environments.environment_delete(actor=actor, environment=obj)


class ReleaseTemplates(Kind):
    section = SECTION["release_templates"]

    def rows(self):
        return {t.name: t for t in template_list()}

    def record(self, t):
        return {"name": t.name, "description": t.description,
                "phases": [phase({"name": p.name, "tier": p.tier, "duration_days": p.duration_days,
                                  "entry_criteria": p.entry_criteria, "exit_criteria": p.exit_criteria})
                           for p in t.phases.all()]}

    def create(self, actor, record, refs):
        releases.template_create(actor=actor, **record)

    def update(self, actor, obj, record, refs):
        releases.template_update(actor=actor, template=obj, **record)

    def delete(self, actor, obj):
        releases.template_delete(actor=actor, template=obj)


def _times(record) -> dict[str, Any]:
    return {"starts_at": datetime.fromisoformat(record["starts_at"]),
            "ends_at": datetime.fromisoformat(record["ends_at"]),
            "exdates": [datetime.fromisoformat(d) for d in record["exdates"]]}


class FreezeWindows(Kind):
    section = SECTION["freeze_windows"]

    def rows(self):
        return _by_name(freeze_window_list(), "freeze window")

    def record(self, w):
        return {"name": w.name, "reason": w.reason, "scope": w.scope, "value_stream": _slug(w.value_stream),
                "tier": w.tier, "environments": sorted(e.slug for e in w.environments.all()), **_recurrence(w)}

    def _values(self, record, refs):
        return {**record, **_times(record), "value_stream": refs.get("value_streams", record["value_stream"]),
                "environments": [refs.get("environments", slug) for slug in record["environments"]]}

    def create(self, actor, record, refs):
        releases.freeze_window_create(actor=actor, **self._values(record, refs))

    def update(self, actor, obj, record, refs):
        releases.freeze_window_update(actor=actor, window=obj, **self._values(record, refs))

    def delete(self, actor, obj):
        releases.freeze_window_delete(actor=actor, window=obj)


class ReleaseSlotWindows(Kind):
    section = SECTION["release_slot_windows"]

    def rows(self):
        return _by_name(slot_window_list(), "release slot window")

    def record(self, w):
        return {"name": w.name, "capacity": w.capacity, **_recurrence(w)}

    def create(self, actor, record, refs):
        releases.slot_window_create(actor=actor, **{**record, **_times(record)})

    def update(self, actor, obj, record, refs):
        releases.slot_window_update(actor=actor, window=obj, **{**record, **_times(record)})

    def delete(self, actor, obj):
        releases.slot_window_delete(actor=actor, window=obj)


class ValueStreamMap:
    """The stored stages of one map (of a value stream, or the organization's)."""

    def __init__(self, value_stream, stages):
        self.value_stream, self.stages = value_stream, stages


class ValueStreamMaps(Kind):
    section = SECTION["value_stream_maps"]

    def rows(self):
        maps = {}
        for value_stream in [None, *value_stream_list()]:
            stages = stream_stage_reads.value_stream_stage_list(value_stream=value_stream)
            if stages:
                maps[_slug(value_stream) or ORGANIZATION_MAP] = ValueStreamMap(value_stream, stages)
        return maps

    def record(self, m):
        return {"value_stream": _slug(m.value_stream),
                "stages": [{"name": s.name, "start_event": s.start_event, "end_event": s.end_event}
                           for s in m.stages]}

    def create(self, actor, record, refs):
        self.update(actor, ValueStreamMap(refs.get("value_streams", record["value_stream"]), []), record, refs)

    def update(self, actor, obj, record, refs):
        # Stored positions may have gaps: move every kept stage to its place after the others' rows.
        kept = obj.stages[:len(record["stages"])]
        for stage in obj.stages[len(kept):]:
            stream_stages.value_stream_stage_delete(actor=actor, stage=stage)
        for position, spec in enumerate(record["stages"], start=1):
            if position <= len(kept):
                stream_stages.value_stream_stage_update(actor=actor, stage=kept[position - 1], position=position,
                                                        **spec)
            else:
                stream_stages.value_stream_stage_create(actor=actor, value_stream=obj.value_stream,
                                                        position=position, **spec)

    def delete(self, actor, obj):
        for stage in obj.stages:
            stream_stages.value_stream_stage_delete(actor=actor, stage=stage)


class Connections(Kind):
    section = SECTION["connections"]
    _settings = ("base_url", "options", "mapping", "sync_enabled", "sync_interval_minutes", "writeback_enabled")

    def rows(self):
        return {c.name: c for c in connection_list()}

    def record(self, c):
        return {"name": c.name, "kind": c.kind, **{name: getattr(c, name) for name in self._settings},
                "webhook_secret": STORED if c.has_webhook_secret else None,
                "credentials": STORED if c.has_credentials else None}

    def create(self, actor, record, refs):
        connection_create(actor=actor, name=record["name"], kind=record["kind"],
                          **{name: record[name] for name in self._settings})

    def update(self, actor, obj, record, refs):
        if obj.kind != record["kind"]:
            raise InvalidInput.field("kind", f"A connection's kind cannot change (it is {obj.kind}): give the "
                                             "new one another name.")
        connection_update(actor=actor, connection=obj,
                                       **{name: record[name] for name in self._settings})

    def delete(self, actor, obj):
        # A connection's records are delivery history: it is archived, as on its page.
        connection_archive(actor=actor, connection=obj)


class Settings(Kind):
    """A single object of the organization: written when it differs, never created or deleted."""

    def __init__(self, section: str, read: Callable[[], models.Model], write: Callable[..., Any]):
        self.section, self._read, self._write = SECTION[section], read, write

    def rows(self):
        return {self.section.name: self._read()}

    def record(self, obj):
        return {f.name: getattr(obj, f.name) for f in self.section.fields}

    def create(self, actor, record, refs):
        self._write(actor=actor, **record)

    def update(self, actor, obj, record, refs):
        self._write(actor=actor, **record)


def _by_name(rows, what: str) -> dict[str, Any]:
    """Objects keyed by name; two of one name cannot be told apart by a file."""
    out: dict[str, Any] = {}
    for row in rows:
        if row.name in out:
            raise Conflict(f"Two {what}s are named '{row.name}': rename one on its page so that a file can name "
                           "each.", conflicts_with=[row.name])
        out[row.name] = row
    return out


KINDS: dict[str, Kind] = {kind.section.name: kind for kind in (
    ValueStreams(), Teams(), Services(), EnvironmentGroups(), Environments(), ReleaseTemplates(), FreezeWindows(),
    ReleaseSlotWindows(), ValueStreamMaps(), Connections(),
    Settings("delivery_settings", delivery_settings_get, delivery_settings_update),
    Settings("release_settings", release_settings_get, releases.release_settings_update),
)}
