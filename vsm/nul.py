"""PostgreSQL text and jsonb cannot hold a NUL character: find one before a value reaches a query."""

from __future__ import annotations

import dataclasses
from typing import Any


def nul_at(value: Any, path: str) -> str | None:
    """Where ``value`` (text, a record, a list or a JSON object) holds a NUL character, as a
    dotted path starting at ``path``; None when it holds none."""
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
    return next((found for where, item in parts if (found := nul_at(item, where))), None)
