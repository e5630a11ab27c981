"""PostgreSQL text and jsonb cannot hold a NUL character: find one before a value reaches a query."""

from __future__ import annotations

import dataclasses
from typing import Any


def nul_at(value: Any, path: str) -> str | None:
    """Where ``value`` (text, a record, a list or a JSON object) holds a NUL character, as a
    dotted path starting at ``path``; None when it holds none."""
    # The common answer first: repr writes a NUL of any text inside (records' fields included;
    # none is declared repr=False) as the escape \x00, and costs a third of the walk below,
    # which every ingested record took. A false alarm (the text "\x00") only costs the walk.
    if "\\x00" not in repr(value):
        return None
    return _walk(value, path)


def _walk(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if "\x00" in value else None
    if dataclasses.is_dataclass(value):
        parts = ((f"{path}.{f.name}", getattr(value, f.name)) for f in dataclasses.fields(value))
    elif isinstance(value, dict):
        if any(isinstance(key, str) and "\x00" in key for key in value):
            return path
        parts = ((f"{path}.{key}", item) for key, item in value.items())
    elif isinstance(value, tuple | list):
        parts = ((f"{path}[{i}]", item) for i, item in enumerate(value))
    else:
        return None
    return next((found for where, item in parts if (found := _walk(item, where))), None)
