"""Request id: taken from X-Request-ID when a proxy sets one, else made up; echoed in the
response, stamped on every log line and on every audit event of the request."""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

from django.http import JsonResponse

_request_id: ContextVar[str] = ContextVar("sluice_request_id", default="")
_VALID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID.match(incoming) else uuid.uuid4().hex
        # Not reset afterwards: Django logs 4xx/5xx responses after the middleware chain returns,
        # and those lines must carry the id too. The next request on this thread overwrites it.
        _request_id.set(request_id)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


class RejectNulQueryMiddleware:
    """Answer an API request whose query string holds a NUL character with 400 naming the
    parameter, in the API's error shape.

    PostgreSQL cannot store or compare text with NUL, so such a value would fail deep in a query
    as a 500. Bodies are checked by the API's JSON parser (vsm.api.parsers), but query parameters
    reach filters and selectors directly, so every API endpoint is covered here at once. Pages
    read their filters through forms (Django's CharField refuses NUL) or, for analytics,
    analytics.query.param_values, which shows the error in the page's filter form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            for name, values in request.GET.lists():
                if "\x00" in name or any("\x00" in value for value in values):
                    # Imported here: the logging configuration loads this module before DRF can be.
                    from vsm.api.errors import error_body

                    message = f"The query parameter {name!r} must not contain a NUL character."
                    return JsonResponse(error_body("invalid", message, {name: [message]}), status=400)
        return self.get_response(request)
