"""Reading a file into desired records, checking it, and comparing it with what is stored."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from jsonschema import Draft202012Validator

from orgconfig.errors import FileError, Problem
from orgconfig.kinds import KINDS, ORGANIZATION_MAP, normalized
from orgconfig.spec import SECTIONS, Section, json_schema
from orgconfig.yamlfile import Lines, load, path_text

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(json_schema())


def field_path(text: str) -> tuple:
    """`phases[0].entry_criteria` as ("phases", 0, "entry_criteria")."""
    return tuple(name if name else int(index) for name, index in _PART.findall(text))


@dataclass
class Desired:
    """The file's records by section and key, with where each came from."""

    lines: Lines
    records: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    index: dict[tuple[str, str], int] = field(default_factory=dict)  # (section, key) -> position in the file

    def path(self, section: Section, key: str, name: str = "") -> tuple:
        base = (section.name, self.index[(section.name, key)]) if section.many else (section.name,)
        return (*base, *field_path(name))

    def problem(self, section: Section, key: str, name: str, message: str) -> Problem:
        path = self.path(section, key, name)
        return Problem(self.lines.of(path), path_text(path), message)


def record_key(section: Section, record: dict[str, Any]) -> str:
    if not section.many:
        return section.name
    value = record[section.key]
    return ORGANIZATION_MAP if value is None and section.name == "value_stream_maps" else value


def _schema_problems(document: Any, lines: Lines) -> list[Problem]:
    errors = sorted(_validator().iter_errors(document), key=lambda e: (lines.of(tuple(e.absolute_path)) or 0,
                                                                      list(map(str, e.absolute_path))))
    return [Problem(lines.of(tuple(e.absolute_path)), path_text(tuple(e.absolute_path)), e.message) for e in errors]


def _time_problems(section: Section, items: list[dict], lines: Lines) -> list[Problem]:
    problems = []
    for index, item in enumerate(items):
        values = [("starts_at", item.get("starts_at")), ("ends_at", item.get("ends_at")),
                  *((("exdates", i), v) for i, v in enumerate(item.get("exdates") or []))]
        for name, value in values:
            if value is None:
                continue
            path = (section.name, index, *(name if isinstance(name, tuple) else (name,)))
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                moment = None
            if moment is None or moment.utcoffset() is None:
                problems.append(Problem(lines.of(path), path_text(path),
                                        f"'{value}' is not a time with its UTC offset (2026-12-24T18:00:00+01:00)."))
        zone = item.get("time_zone")
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ValueError, KeyError, OSError):
                path = (section.name, index, "time_zone")
                problems.append(Problem(lines.of(path), path_text(path), f"'{zone}' is not a time zone."))
    return problems


def desired_from(data: bytes) -> Desired:
    """The file's records; FileError lists every problem of form, each with its line."""
    document, lines = load(data)
    problems = _schema_problems(document, lines)
    if problems:
        raise FileError(problems)
    desired = Desired(lines)
    for section in SECTIONS:
        if not section.many:
            if section.name in document:
                desired.records[section.name] = {section.name: normalized(section, document[section.name])}
            continue
        items = document.get(section.name) or []
        problems += _time_problems(section, items, lines)
        records: dict[str, dict[str, Any]] = {}
        for index, item in enumerate(items):
            key = record_key(section, {section.key: item.get(section.key)})
            if key in records:
                path = (section.name, index, section.key)
                problems.append(Problem(lines.of(path), path_text(path), f"'{key}' is given twice in {section.name}."))
                continue
            desired.index[(section.name, key)] = index
            records[key] = item
        desired.records[section.name] = records
    if problems:
        raise FileError(problems)
    for section in SECTIONS:
        if section.many:
            desired.records[section.name] = {key: normalized(section, item)
                                             for key, item in desired.records[section.name].items()}
    return desired


def stored_records() -> dict[str, dict[str, tuple[Any, dict[str, Any]]]]:
    """What is stored, by section and key: (the object, its record)."""
    out = {}
    for section in SECTIONS:
        kind = KINDS[section.name]
        out[section.name] = {key: (obj, kind.record(obj)) for key, obj in kind.rows().items()}
    return out


def reference_problems(desired: Desired, stored: dict, *, prune: bool) -> list[Problem]:
    """Every reference to an object neither in the file nor (without prune) stored."""
    problems = []
    for section in SECTIONS:
        for f in (f for f in section.fields if f.ref):
            target = f.ref
            for key, record in desired.records.get(section.name, {}).items():
                values = record[f.name] if isinstance(record[f.name], list) else [record[f.name]]
                for position, value in enumerate(values):
                    known = value in desired.records.get(target, {}) or (not prune and value in stored[target])
                    if value is None or known:
                        continue
                    name = f"{f.name}[{position}]" if isinstance(record[f.name], list) else f.name
                    where = "the file" if prune else "the file or the organization"
                    problems.append(desired.problem(section, key, name,
                                                    f"No {target.replace('_', ' ')[:-1]} '{value}' in {where}."))
    return problems

