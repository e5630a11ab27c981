"""Webhook deliveries: verify, record, parse and ingest what a source pushes, and replay a
stored delivery from the deliveries page.

A delivery with a bad signature is refused (401) and not stored. Everything signed is stored
(``WebhookDelivery``) with what became of it: processed (with counts), ignored (an event Sluice
does not read, with the reason) or failed (an unreadable body, with the reason). The rows a
delivery brings in are written in the transaction that marks it processed, so a delivery is
either fully ingested or not at all. A delivery received again (the same delivery id header or
the same body) changes nothing and is answered "duplicate".
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations.connectors import WEBHOOKS, PayloadError, SignatureError, parse_json_body
from integrations.connectors.base import header
from integrations.mapping import Mapping
from integrations.models import Connection, WebhookDelivery
from integrations.services._batch import lock
from integrations.services.ingest import records_ingest
from integrations.services.writeback_actions import writeback_queue
from vsm.api.errors import error_body
from vsm.audit.services import audit_record
from vsm.errors import PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm

# The sources' delivery id headers: a redelivery from the source repeats them.
DELIVERY_ID_HEADERS = ("X-GitHub-Delivery", "X-Gitlab-Event-UUID", "X-Atlassian-Webhook-Identifier",
                       "X-Sluice-Delivery")
# Never stored: they carry the shared secret itself (GitLab, ServiceNow) or a person's session.
SECRET_HEADERS = frozenset({"x-gitlab-token", "x-sluice-token", "authorization", "cookie", "proxy-authorization"})


@dataclass
class HookAnswer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


def hook_error(status: int, code: str, message: str, **details: Any) -> HookAnswer:
    """A refusal in the API's one error shape."""
    return HookAnswer(status, error_body(code, message, details=details))


def _storable(headers: MappingABC[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.lower() not in SECRET_HEADERS}


def _storable_body(raw_body: bytes) -> str:
    # PostgreSQL text holds no NUL; a body with one is not JSON anyway, so it still fails to parse.
    return raw_body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _delivery_id(headers: MappingABC[str, str]) -> str:
    return next((value for name in DELIVERY_ID_HEADERS if (value := header(headers, name))), "")[:200]


def _duplicate(connection: Connection, delivery_id: str, digest: str) -> WebhookDelivery | None:
    done = WebhookDelivery.objects.filter(connection=connection, status__in=[
        WebhookDelivery.Status.PROCESSED, WebhookDelivery.Status.IGNORED])
    if delivery_id:
        found = done.filter(delivery_id=delivery_id).first()
        if found is not None:
            return found
    return done.filter(body_sha256=digest).first()


def webhook_receive(*, connection: Connection, headers: MappingABC[str, str], query: MappingABC[str, str],
                    raw_body: bytes) -> HookAnswer:
    """Handle one POST to ``/hooks/<connection id>/`` (inside the connection's tenant context)."""
    module = WEBHOOKS.get(connection.kind)
    if module is None:
        return hook_error(404, "not_found", f"{connection.get_kind_display()} connections receive no webhooks.")
    try:
        module.verify_webhook(headers, raw_body, connection.webhook_secret, query)
    except SignatureError as exc:
        return hook_error(401, "signature_invalid", str(exc))
    digest = hashlib.sha256(raw_body).hexdigest()
    delivery_id = _delivery_id(headers)
    with transaction.atomic():
        # The same delivery arriving twice at once: the second waits and then finds the first.
        lock([f"hook:{connection.pk}:{digest}"])
        original = _duplicate(connection, delivery_id, digest)
        if original is not None:
            return HookAnswer(200, {"status": "duplicate", "delivery": original.pk})
        delivery = WebhookDelivery.objects.create(
            connection=connection, delivery_id=delivery_id, content_type=header(headers, "Content-Type") or "",
            headers=_storable(headers), body=_storable_body(raw_body), body_sha256=digest)
        return _process(delivery, connection, headers, raw_body)


def _process(delivery: WebhookDelivery, connection: Connection, headers: MappingABC[str, str],
             raw_body: bytes) -> HookAnswer:
    module = WEBHOOKS[connection.kind]
    delivery.processed_at = timezone.now()
    fields = ["event", "status", "outcome", "records_created", "records_updated", "processed_at", "replay_count"]
    try:
        with transaction.atomic():
            body = parse_json_body(raw_body, header(headers, "Content-Type"))
            delivery.event = module.event_name(headers, body)[:120]
            parsed = module.parse_webhook(delivery.event, headers, body,
                                          mapping=Mapping.from_overrides(connection.mapping))
            if parsed.ignored is not None:
                delivery.status, delivery.outcome = WebhookDelivery.Status.IGNORED, parsed.ignored
                delivery.records_created = delivery.records_updated = 0
                delivery.save(update_fields=fields)
                return HookAnswer(202, {"status": "ignored", "reason": parsed.ignored, "delivery": delivery.pk})
            result = records_ingest(connection=connection, records=parsed.records)
            if (result.created or result.updated) and (result.ids.get("incident") or result.ids.get("work_item")):
                # A resolution may have arrived: mirror it into the linked tool (when enabled).
                writeback_queue(source=connection)
            delivery.status = WebhookDelivery.Status.PROCESSED
            delivery.records_created, delivery.records_updated = result.created, result.updated
            delivery.outcome = "; ".join([f"{result.created} created, {result.updated} updated, "
                                          f"{result.unchanged} unchanged", *result.skipped])
            delivery.save(update_fields=fields)
    except PayloadError as exc:
        delivery.status, delivery.outcome = WebhookDelivery.Status.FAILED, exc.message
        delivery.records_created = delivery.records_updated = 0
        delivery.save(update_fields=fields)
        return hook_error(exc.status, "payload_invalid", exc.message, delivery=delivery.pk,
                      **({"field": exc.field} if exc.field else {}))
    return HookAnswer(200, {"status": "processed", "delivery": delivery.pk, "created": result.created,
                            "updated": result.updated, "unchanged": result.unchanged, "skipped": result.skipped})


@transaction.atomic
def delivery_replay(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Process a stored delivery again (after a mapping change, or one that failed), as it was
    received. Its signature was checked on receipt, so a rotated secret does not block it.
    Rows already stored are updated, never duplicated."""
    if not actor.has(Perm.MANAGE_CONNECTIONS):
        raise PermissionRefused("Your role may not replay webhook deliveries.")
    connection = delivery.connection
    if connection.kind not in WEBHOOKS:
        raise PermissionRefused(f"{connection.get_kind_display()} connections receive no webhooks.")
    before = {"status": delivery.status, "outcome": delivery.outcome}
    delivery.replay_count += 1
    headers = {**delivery.headers, "Content-Type": delivery.content_type}
    _process(delivery, connection, headers, delivery.body.encode("utf-8"))
    audit_record(actor=actor, action="webhook_delivery.replayed", instance=delivery, before=before,
                 after={"status": delivery.status, "outcome": delivery.outcome})
    return delivery
