"""One error shape for every API answer that is not a success:

    {"error": {"code": "invalid", "message": "...", "fields": {"name": ["..."]}, "details": {...}}}
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from vsm.entities import referenced_conflict
from vsm.errors import DomainError, StatementTimedOut
from vsm.tenancy.context import statement_timed_out

logger = logging.getLogger(__name__)


def error_body(code: str, message: str, fields=None, details=None) -> dict:
    body: dict = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    if details:
        body["details"] = details
    return {"error": body}


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            # DRF reports the errors of list items keyed by position: name them key[i].
            name = f"[{key}]" if isinstance(key, int) else key
            if isinstance(value, dict):
                for sub, messages in _flatten(value).items():
                    out[f"{name}{sub}" if sub.startswith("[") else f"{name}.{sub}"] = messages
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for index, item in enumerate(value):
                    for sub, messages in _flatten(item).items():
                        out[f"{name}[{index}].{sub}"] = messages
            else:
                out[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
        return out
    return {"non_field_errors": [str(v) for v in (detail if isinstance(detail, list) else [detail])]}


def exception_handler(exc, context):
    if statement_timed_out(exc):
        logger.warning("statement cancelled by its timeout: %s", context["request"].path)
        exc = StatementTimedOut()
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields, exc.details), status=exc.status)
    if isinstance(exc, ValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(error_body("invalid", _summary(fields), fields), status=400)
    if isinstance(exc, ProtectedError | RestrictedError):
        # Services turn these into a Conflict naming the row (vsm.entities.delete_entity); this
        # answers any delete that is not written through it alike.
        exc = referenced_conflict(exc)
        return Response(error_body(exc.code, exc.message, details=exc.details), status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(error_body("payload_too_large", f"The request body exceeds the limit of {limit} bytes "
                                   "(MAX_REQUEST_BYTES)."), status=413)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        response.data = error_body("invalid", _summary(fields), fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(code if isinstance(code, str) else "error", str(detail))
    return response


def _summary(fields: dict[str, list[str]]) -> str:
    names = ", ".join(sorted(fields))
    first = next(iter(fields.values()), [""])
    return f"Invalid input in {names}: {first[0]}" if names else "Invalid input."


def json_not_found(request, exception=None):
    return JsonResponse(error_body("not_found", "Not found."), status=status.HTTP_404_NOT_FOUND)


def json_server_error(request):
    return JsonResponse(error_body("server_error", "Something went wrong on our side; it was logged."),
                        status=500)
