"""What every connector shares: the payload errors, JSON body reading, field access that names
the missing field, timestamp parsing for every format the sources use, and signature checks."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping as MappingABC
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings

from vsm.api.parsers import json_depth_error


class PayloadError(ValueError):
    """A body that cannot be read as the payload it claims to be. ``status`` is what a webhook
    endpoint answers (400 unreadable, 413 too large, 415 not JSON); ``field`` names the part of
    the payload at fault when there is one."""

    def __init__(self, message: str, *, status: int = 400, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.field = field


class SignatureError(Exception):
    """A missing or wrong webhook signature or token: the endpoint answers 401 and stores nothing.
    The message names the header or parameter, never the expected value."""


def header(headers: MappingABC[str, str] | None, name: str) -> str | None:
    """Case-insensitive header lookup over a plain dict (Django's ``request.headers`` is already
    case-insensitive; tests and replays pass dicts)."""
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def max_body_bytes() -> int:
    """The largest webhook body read: MAX_REQUEST_BYTES, as for every other request."""
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def parse_json_body(raw: bytes, content_type: str | None, *, max_bytes: int | None = None,
                    form_field: str | None = None) -> dict[str, Any]:
    """Read a webhook body as a JSON object, or say precisely why not (nested deeper than
    JSON_MAX_DEPTH included).

    ``form_field`` accepts ``application/x-www-form-urlencoded`` bodies carrying the JSON in one
    field (GitHub's "form" content type sends it as ``payload=``)."""
    max_bytes = max_body_bytes() if max_bytes is None else max_bytes
    if len(raw) > max_bytes:
        raise PayloadError(f"body of {len(raw)} bytes exceeds the limit of {max_bytes} bytes", status=413)
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if form_field and mime == "application/x-www-form-urlencoded":
        values = parse_qs(raw.decode("utf-8", errors="replace")).get(form_field)
        if not values:
            raise PayloadError(f"form body has no {form_field!r} field", field=form_field)
        text = values[0]
    elif mime == "application/json" or mime.endswith("+json"):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PayloadError(f"body is not UTF-8 (byte {exc.start})") from exc
    else:
        raise PayloadError(f"content type {content_type or '(none)'!r} is not application/json", status=415)
    if not text.strip():
        raise PayloadError("body is empty")
    if too_deep := json_depth_error(text):
        raise PayloadError(f"body is not read: {too_deep}")
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        truncated = exc.msg.startswith("Unterminated string") or exc.pos >= len(text.rstrip()) - 1
        hint = "; the body looks truncated" if truncated else ""
        raise PayloadError(f"body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}){hint}") from exc
    if not isinstance(body, dict):
        raise PayloadError(f"body must be a JSON object, got {type(body).__name__}")
    return body


# Field access --------------------------------------------------------------------------------------

_MISSING = object()


def _walk(obj: Any, path: tuple[str | int, ...]) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(obj, list) or not -len(obj) <= part < len(obj):
                return _MISSING
            obj = obj[part]
        else:
            if not isinstance(obj, dict) or part not in obj:
                return _MISSING
            obj = obj[part]
    return obj


def dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else p for p in path).replace(".[", "[")


def opt(obj: Any, *path: str | int, default: Any = None) -> Any:
    """The value at ``path``, or ``default`` when any step is missing or null."""
    value = _walk(obj, path)
    return default if value is _MISSING or value is None else value


def req(obj: Any, *path: str | int) -> Any:
    """The value at ``path``; a PayloadError naming the path when it is missing or null."""
    value = _walk(obj, path)
    if value is _MISSING or value is None:
        raise PayloadError(f"{dotted(path)}: missing", field=dotted(path))
    return value


def req_obj(obj: Any, *path: str | int) -> dict[str, Any]:
    value = req(obj, *path)
    if not isinstance(value, dict):
        raise PayloadError(f"{dotted(path)}: must be an object", field=dotted(path))
    return value


def opt_list(obj: Any, *path: str | int) -> list[Any]:
    value = opt(obj, *path, default=[])
    if not isinstance(value, list):
        raise PayloadError(f"{dotted(path)}: must be a list", field=dotted(path))
    return value


def as_list(body: Any) -> list[Any]:
    """A REST list response, or a PayloadError saying what came instead."""
    if not isinstance(body, list):
        raise PayloadError(f"expected a JSON list, got {type(body).__name__}")
    return body


def text(value: Any) -> str | None:
    """A non-empty string (ids arrive as numbers or strings), or None."""
    if value is None or isinstance(value, dict | list):
        return None
    result = str(value).strip()
    return result or None


def as_int(value: Any, where: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PayloadError(f"{where}: must be an integer, got {value!r}", field=where) from None


# Timestamps ----------------------------------------------------------------------------------------

def parse_timestamp(value: Any, where: str) -> datetime | None:
    """Every timestamp format the sources send, as an aware UTC datetime:

    ISO 8601 with ``Z``, ``+01:00`` or Jira's colon-less ``+0100``; GitLab's ``2016-08-12 15:23:28
    UTC`` and ``2021-04-28 21:50:00 +0200``; Jenkins' ``... GMT``; ServiceNow's zone-less
    ``2020-06-24 23:09:51``, which the Table API always gives in UTC. Empty means unknown."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{where}: must be a timestamp string, got {value!r}", field=where)
    raw = value.strip()
    for suffix in (" UTC", " GMT"):
        if raw.endswith(suffix):
            raw = raw[: -len(suffix)] + "+00:00"
    try:
        parsed = datetime.fromisoformat(raw.replace(" +", "+").replace(" -", "-"))
    except ValueError:
        raise PayloadError(f"{where}: {value!r} is not a timestamp", field=where) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def from_epoch_ms(value: Any, where: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PayloadError(f"{where}: must be epoch milliseconds, got {value!r}", field=where)
    return datetime.fromtimestamp(value / 1000, tz=UTC)


# Signatures ----------------------------------------------------------------------------------------

def _secret_bytes(secret: str | bytes) -> bytes:
    if not secret:
        # An empty secret would make every signature computable by anyone.
        raise SignatureError("the connection has no webhook secret configured")
    return secret if isinstance(secret, bytes) else secret.encode()


def hmac_sha256_hex(secret: str | bytes, body: bytes) -> str:
    return hmac.new(_secret_bytes(secret), body, hashlib.sha256).hexdigest()


def verify_hmac_sha256(signature: str | None, *, secret: str | bytes, body: bytes, header_name: str,
                       prefix: str = "sha256=") -> None:
    """Check ``<prefix><hex HMAC-SHA256 of the raw body>`` in constant time."""
    expected = prefix + hmac_sha256_hex(secret, body)
    if not signature:
        raise SignatureError(f"missing {header_name} header")
    if not signature.startswith(prefix):
        raise SignatureError(f"{header_name} must start with {prefix!r}")
    if not hmac.compare_digest(signature.strip().encode(), expected.encode()):
        raise SignatureError(f"{header_name} does not match the body")


def verify_token(provided: str | None, *, secret: str | bytes, what: str) -> None:
    """Compare a shared token in constant time (``hmac.compare_digest`` on bytes)."""
    expected = _secret_bytes(secret)
    if not provided:
        raise SignatureError(f"missing {what}")
    if not hmac.compare_digest(provided.encode(), expected):
        raise SignatureError(f"{what} does not match")


def updated_at_stamp(item: dict[str, Any]) -> datetime | None:
    """The ``updated_at`` of a REST list item: the high-water mark of incremental pulls."""
    return parse_timestamp(item.get("updated_at"), "updated_at")
