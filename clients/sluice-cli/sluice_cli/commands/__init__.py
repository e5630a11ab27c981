"""One module per command: `register(subparsers)` adds the command and its `run(args, ctx)`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from sluice_cli.client import Client


@dataclass(frozen=True)
class Context:
    client: Client
    out: TextIO
    err: TextIO
    environ: Mapping[str, str]


def timestamp(value: str | None) -> str | None:
    """ISO 8601 as given (the server checks it), or `now` as the current UTC time."""
    if value is None:
        return None
    return datetime.now(UTC).isoformat(timespec="seconds") if value.strip().lower() == "now" else value
