"""How a connection's credentials are stored: one encrypted text holding either a bare token or
a JSON object ``{"token"}`` / ``{"username", "password"}``."""

from __future__ import annotations

import json
from typing import Any

from integrations.connectors.http import Credentials
from vsm.errors import InvalidInput

_KEYS = ("token", "username", "password")


def _text(value: Any) -> str:
    # A list or number is a mistake, not a token; a control character cannot travel in an HTTP header.
    if not isinstance(value, str) or any(ord(char) < 32 for char in value.strip()):
        raise InvalidInput.field("credentials", "give the token, username and password as text on one line")
    return value.strip()


def credentials_text(value: str | dict[str, Any]) -> str:
    """What ``Connection.credentials`` stores for the value an admin typed or posted."""
    if isinstance(value, str):
        return _text(value)
    if not isinstance(value, dict) or set(value) - set(_KEYS):
        raise InvalidInput.field("credentials", f"give a token, or an object with {', '.join(_KEYS)}")
    clean = {key: _text(value[key]) for key in _KEYS if value.get(key)}
    if ("username" in clean) != ("password" in clean):
        raise InvalidInput.field("credentials", "a username needs a password (or an API token as the password)")
    return json.dumps(clean) if clean else ""


def credentials_of(stored: str) -> Credentials:
    """The Credentials the pull clients and write-back authenticate with."""
    if not stored:
        return Credentials()
    try:
        parsed = json.loads(stored)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return Credentials(token=stored)
    return Credentials(**{key: parsed[key] for key in _KEYS if parsed.get(key)})
