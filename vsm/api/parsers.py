"""The API's one JSON parser: bodies nested no deeper than JSON_MAX_DEPTH, and no NUL character
anywhere, each refused with a 400 before any serializer, service or query sees the body.

Python's json module parses nesting by recursion, so a body of a few kilobytes nested a thousand
deep ends in a RecursionError (a 500). The depth is measured on the text before parsing, without
recursion, so such a body is refused with a 400 naming the limit. The webhook receiver calls
json_depth_error through integrations.connectors.base.parse_json_body."""

from __future__ import annotations

import io
import re
from itertools import accumulate

from django.conf import settings
from rest_framework import exceptions, parsers

from vsm.nul import nul_at

# A JSON string (brackets inside one nest nothing; an unterminated one runs to the end), or a bracket.
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth_error(text: str) -> str | None:
    """Why a JSON text is refused for its nesting, or None when its arrays and objects nest no
    deeper than JSON_MAX_DEPTH. Read from the brackets outside strings, stopping at the first one
    past the limit: no parsing, no recursion. Malformed text within the limit passes; the parser
    that runs next says what is wrong with it."""
    limit = settings.JSON_MAX_DEPTH
    depths = accumulate(_STEP.get(token.group(), 0) for token in _STRING_OR_BRACKET.finditer(text))
    if any(depth > limit for depth in depths):
        return f"JSON nested deeper than {limit} levels (JSON_MAX_DEPTH)."
    return None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser behind the nesting check, plus the NUL check. The size was checked
    before: DRF hands parsers Django's HttpRequest.body, which refuses more than MAX_REQUEST_BYTES
    (vsm.api.errors answers that 413).

    PostgreSQL text and jsonb cannot hold a NUL (``\\u0000`` in JSON), and not every value goes
    through a CharField (JSON objects such as a gate's context, lists of objects such as a
    template's phases), so the parsed body is walked once for every endpoint. A raw NUL byte is
    not valid JSON and fails in the parent already."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            problem = json_depth_error(raw.decode(encoding))
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(f"JSON parse error - the body is not {encoding} (byte {exc.start}).") from exc
        if problem:
            raise exceptions.ParseError(problem)
        data = super().parse(io.BytesIO(raw), media_type, parser_context)
        where = nul_at(data, "")
        if where is not None:
            name = where.lstrip(".") or "non_field_errors"
            raise exceptions.ValidationError({name: ["Must not contain a NUL character (\\u0000)."]})
        return data
