"""What the user reads: answers on stdout, problems on stderr, never a secret."""

from __future__ import annotations

import json
from typing import Any, TextIO

from sluice_cli.client import ApiError
from sluice_cli.exits import CliError

HINTS = {
    401: "check SLUICE_TOKEN: the token is unknown, revoked or expired.",
    403: "the token's role may not do this; ask an owner for a token with the right role.",
}


def print_json(data: Any, out: TextIO) -> None:
    print(json.dumps(data, indent=2, sort_keys=True), file=out)


def print_reasons(reasons: list[dict], out: TextIO) -> None:
    """One reason a line: `code: message (until ...)`."""
    for reason in reasons:
        until = reason.get("until")
        suffix = f" (until {until})" if until else ""
        print(f"{reason.get('code', 'reason')}: {reason.get('message', '')}{suffix}", file=out)


def print_error(error: CliError, err: TextIO) -> None:
    if not isinstance(error, ApiError):
        print(f"sluice: {error.message}", file=err)
        return
    print(f"sluice: {error.message or 'refused'} (HTTP {error.status}, {error.code})", file=err)
    for name, messages in error.fields.items():
        listed = messages if isinstance(messages, list) else [messages]
        print(f"  {name}: {' '.join(str(m) for m in listed)}", file=err)
    for key, value in error.details.items():
        if key != "reasons":
            print(f"  {key}: {json.dumps(value) if isinstance(value, dict | list) else value}", file=err)
    if isinstance(error.details.get("reasons"), list):
        print_reasons(error.details["reasons"], err)
    if error.status in HINTS:
        print(f"  hint: {HINTS[error.status]}", file=err)
