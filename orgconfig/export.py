"""The organization as a configuration file, in a stable order: sections as the spec lists them,
objects by key, fields as the spec lists them, defaults left out. Exporting twice gives the same
bytes, and so does applying an export to an empty organization and exporting that."""

from __future__ import annotations

from typing import Any

from orgconfig.kinds import KINDS, local_text
from orgconfig.spec import SECTIONS, VERSION, Section
from orgconfig.yamlfile import dump


def _written(section: Section, record: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for f in section.fields:
        value = record[f.name]
        if not f.required and value == f.default and f.name != section.key:
            continue
        if f.name in ("starts_at", "ends_at"):
            value = local_text(value, record["time_zone"])
        elif f.name == "exdates":
            value = [local_text(v, record["time_zone"]) for v in value]
        out[f.name] = value
    return out


def export_document() -> dict[str, Any]:
    document: dict[str, Any] = {"version": VERSION}
    for section in SECTIONS:
        kind = KINDS[section.name]
        rows = kind.rows()
        if not section.many:
            written = _written(section, kind.record(rows[section.name]))
            if written:
                document[section.name] = written
            continue
        items = [_written(section, kind.record(rows[key])) for key in sorted(rows)]
        if items:
            document[section.name] = items
    return document


def export_yaml() -> bytes:
    return dump(export_document())
