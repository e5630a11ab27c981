"""JSON bodies nested no deeper than JSON_MAX_DEPTH.

Python's json module parses nesting by recursion, so a body of a few kilobytes nested a thousand
deep ends in a RecursionError (a 500). The depth is measured on the text before parsing, without
recursion, so such a body is refused with a 400 naming the limit. The API parses through
LimitedJSONParser (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES); the webhook receiver calls
json_depth_error through integrations.connectors.base.parse_json_body."""

from __future__ import annotations

import io
import re
from itertools import accumulate

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

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


class LimitedJSONParser(JSONParser):
    """DRF's JSON parser behind the nesting check (400 in the API's error shape). The size was
    checked before: DRF hands parsers Django's HttpRequest.body, which refuses more than
    MAX_REQUEST_BYTES (vsm.api.errors answers that 413)."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            problem = json_depth_error(raw.decode(encoding))
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - the body is not {encoding} (byte {exc.start}).") from exc
        if problem:
            raise ParseError(problem)
        return super().parse(io.BytesIO(raw), media_type, parser_context)
