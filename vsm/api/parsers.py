"""The API's one JSON parser: a body holding a NUL character anywhere is refused here, naming
where, before any serializer, service or query sees it."""

from __future__ import annotations

from rest_framework import exceptions, parsers

from vsm.nul import nul_at


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, plus the NUL check. PostgreSQL text and jsonb cannot hold a NUL
    (``\\u0000`` in JSON), and not every value goes through a CharField (JSON objects such as a
    gate's context, lists of objects such as a template's phases), so the parsed body is walked
    once for every endpoint. A raw NUL byte is not valid JSON and fails in the parent already."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        where = nul_at(data, "")
        if where is not None:
            name = where.lstrip(".") or "non_field_errors"
            raise exceptions.ValidationError({name: ["Must not contain a NUL character (\\u0000)."]})
        return data
