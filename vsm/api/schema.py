"""How the API describes itself (drf-spectacular): the bearer token scheme, the one error shape
and `AutoSchema`, which makes every operation's schema say what it can really answer.

Answers are checked against this schema by tests/api/test_fuzz.py (every status documented,
every body valid), and tests/api/test_schema_errors.py holds the error responses below.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "vsm.api.authentication.BearerTokenAuthentication"
    name = "BearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An organization's API token (created on the Tokens page or with "
            "`manage.py create_api_token`).",
        }


class _ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    details = serializers.DictField(required=False)


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (vsm.api.errors), for the schema."""

    error = _ErrorBodySerializer()


# The errors any operation under /api/v1/orgs/{org_slug}/ may answer, and those that depend on
# what it takes or does. An operation's own description of a status (extend_schema) is kept;
# one it declares without a description gets this one.
ERRORS_EVERYWHERE = {
    "401": "No credentials, or a token that is unknown, revoked or expired.",
    "403": "Your role does not allow this.",
    "404": "No such organization (or you are not a member), no such row, or a page past the last.",
    "429": "Over the request budget (API_THROTTLE_RATE); `Retry-After` says when to try again.",
    "503": "A query ran past its time limit; try again, or ask for less.",
}
ERROR_BAD_INPUT = ("400", "Invalid input; `error.fields` names each offending field or parameter.")
ERROR_CONFLICT = ("409", "Collides with the current state (a duplicate, a row still referenced, a state "
                         "that does not allow it); `error.details` say how.")
ERROR_TOO_LARGE = ("413", "The request body exceeds MAX_REQUEST_BYTES.")
# For views that name these statuses themselves (an action without a body that can still refuse
# its input, say): the same shape and words as the ones added to every operation.
BAD_INPUT = OpenApiResponse(ErrorSerializer, description=ERROR_BAD_INPUT[1])
CONFLICT = OpenApiResponse(ErrorSerializer, description=ERROR_CONFLICT[1])
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
WITH_BODY = {"POST", "PUT", "PATCH"}


def _model_field_path(serializer, field) -> list | None:
    """The model fields a ModelSerializer's field reads through (`source`), or None where the
    source is not a chain of model fields (a property, an annotation, a method)."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None or not field.source_attrs:
        return None
    path = []
    for name in field.source_attrs:
        if model is None:
            return None
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if model_field.many_to_many or model_field.one_to_many:
            return None
        path.append(model_field)
        model = model_field.related_model
    return path


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, told three truths it does not find itself:

    - a read-only field of a ModelSerializer answers what its column holds: `null` where any
      column it reads through is nullable (a SlugRelatedField over an optional foreign key), `""`
      where the column may be blank (a URL or a choice not given); DRF drops `allow_null` and
      `allow_blank` from read-only fields, so they are declared here from the model;
    - only `list` actions answer a page: another action answering many rows (a freeze's
      occurrences, a window's slots, posted commits) answers a plain list;
    - every operation may answer the error shape (`Error`) with the statuses it can reach.
    """

    def _map_basic_serializer(self, serializer, direction):
        serializer = openapi.force_instance(serializer)
        for field in serializer.fields.values():
            if not field.read_only:
                continue
            path = _model_field_path(serializer, field)
            if not path:
                continue
            if any(model_field.null for model_field in path):
                field.allow_null = True
            if path[-1].blank and hasattr(field, "allow_blank"):
                field.allow_blank = True
        return super()._map_basic_serializer(serializer, direction)

    def _get_paginator(self):
        if getattr(self.view, "action", "list") != "list":
            return None
        return super()._get_paginator()

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        takes_query = any(parameter["in"] == "query" for parameter in operation.get("parameters", []))
        responses = operation["responses"]
        for code, description in self._error_statuses(takes_query).items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), code)
            elif not responses[code].get("description"):
                responses[code]["description"] = description
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _error_statuses(self, takes_query: bool) -> dict[str, str]:
        statuses = dict(ERRORS_EVERYWHERE)
        method = self.method.upper()
        if method in WITH_BODY or takes_query:
            statuses.update([ERROR_BAD_INPUT])
        if method in WRITES:
            statuses.update([ERROR_CONFLICT])
        if method in WITH_BODY:
            statuses.update([ERROR_TOO_LARGE])
        return statuses
