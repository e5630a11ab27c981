"""Reads of connections, their sync runs and webhook deliveries (the integrations pages and
their API). Record reads live in integrations.selectors."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from integrations.models import Connection, DeliverySettings, SyncRun, WebhookDelivery, WritebackAction


def connection_list(*, include_archived: bool = False) -> QuerySet[Connection]:
    """Connections with the status of their latest sync run (``latest_run_status``)."""
    latest = SyncRun.objects.filter(connection=OuterRef("pk")).order_by("-queued_at", "-id")
    rows = Connection.objects.annotate(latest_run_status=Subquery(latest.values("status")[:1]),
                                       latest_run_id=Subquery(latest.values("id")[:1]))
    return rows if include_archived else rows.filter(is_active=True)


def connection_get(*, connection_id: int) -> Connection | None:
    return Connection.objects.filter(pk=connection_id).first()


def sync_run_list() -> QuerySet[SyncRun]:
    """Filtered by integrations.filters.SyncRunFilter."""
    return SyncRun.objects.select_related("connection", "requested_by")


def sync_run_get(*, sync_run_id: int) -> SyncRun | None:
    return SyncRun.objects.select_related("connection", "requested_by").filter(pk=sync_run_id).first()


def webhook_delivery_list() -> QuerySet[WebhookDelivery]:
    """Filtered by integrations.filters.WebhookDeliveryFilter. The list never needs the bodies,
    which can be megabytes each."""
    return WebhookDelivery.objects.select_related("connection").defer("body", "headers")


def webhook_delivery_get(*, delivery_id: int) -> WebhookDelivery | None:
    return WebhookDelivery.objects.select_related("connection").filter(pk=delivery_id).first()


def writeback_action_list(*, connection_id: int) -> QuerySet[WritebackAction]:
    return WritebackAction.objects.filter(connection_id=connection_id)


def delivery_settings_get() -> DeliverySettings:
    """The organization's settings, or the defaults (unsaved) when it never changed them."""
    return DeliverySettings.objects.first() or DeliverySettings()
