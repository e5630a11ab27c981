"""Filters of the integrations lists: sync runs and webhook deliveries (API and pages)."""

from __future__ import annotations

import django_filters

from integrations.models import SyncRun, WebhookDelivery
from vsm.api.filters import IntegerFilter


class SyncRunFilter(django_filters.FilterSet):
    connection = IntegerFilter(field_name="connection_id", help_text="a connection's id")
    status = django_filters.ChoiceFilter(choices=SyncRun.Status.choices)

    class Meta:
        model = SyncRun
        fields: list[str] = []


class WebhookDeliveryFilter(django_filters.FilterSet):
    connection = IntegerFilter(field_name="connection_id", help_text="a connection's id")
    status = django_filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)
    event = django_filters.CharFilter(max_length=120)

    class Meta:
        model = WebhookDelivery
        fields: list[str] = []
