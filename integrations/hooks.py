"""The webhook receiver: ``POST /hooks/<connection id>/``, outside any organization prefix (the
connection names the tenant). The work is done by integrations.services.webhooks."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.connectors.base import max_body_bytes
from integrations.models import Connection
from integrations.services.webhooks import HookAnswer, hook_error, webhook_receive
from vsm.tenancy.context import cross_tenant, request_context


def _json(answer: HookAnswer) -> JsonResponse:
    return JsonResponse(answer.body, status=answer.status)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt
@require_POST
def receive(request, connection_id: int):
    with cross_tenant(reason="webhook: find the connection a delivery is for"):
        connection = (Connection.cross_tenant_objects.select_related("organization")
                      .filter(pk=connection_id, is_active=True).first())
    if connection is None:
        return _json(hook_error(404, "not_found", "No such webhook."))
    # Refused before reading: a body this large is not read into memory, let alone stored.
    limit = max_body_bytes()
    too_large = hook_error(413, "payload_too_large", f"The body exceeds the limit of {limit} bytes.")
    if _declared_length(request) > limit:
        return _json(too_large)
    raw_body = request.read(limit + 1)
    if len(raw_body) > limit:
        return _json(too_large)
    with request_context(connection.organization):
        return _json(webhook_receive(connection=connection, headers=dict(request.headers),
                                     query=request.GET.dict(), raw_body=raw_body))
