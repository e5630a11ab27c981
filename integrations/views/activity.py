"""What the connections did: sync runs (with live progress) and webhook deliveries (with replay)."""

from __future__ import annotations

import contextlib
import json

from django.contrib import messages
from django.shortcuts import redirect, render

from integrations import connection_selectors as selectors
from integrations.filters import SyncRunFilter, WebhookDeliveryFilter
from integrations.models import SyncRun
from integrations.services.webhooks import delivery_replay
from integrations.views.base import PAGE_SIZE, IntegrationsPage
from vsm.api.parsers import json_depth_error
from vsm.errors import DomainError
from vsm.tenancy.pages import filter_page, paginate


class SyncRunListView(IntegrationsPage):
    def get(self, request):
        filters = SyncRunFilter(request.GET, queryset=selectors.sync_run_list())
        runs, status = filter_page(filters)
        return render(request, "integrations/sync_runs.html", {**paginate(request, runs, PAGE_SIZE),
                                                                "tab": "runs", "form": filters.form}, status=status)


class SyncRunView(IntegrationsPage):
    """A run with its progress; htmx polls the progress fragment while the run is not finished."""

    def get(self, request, sync_run_id: int):
        run = self.found(selectors.sync_run_get(sync_run_id=sync_run_id), "sync run")
        live = run.status in (SyncRun.Status.QUEUED, SyncRun.Status.RUNNING)
        template = "integrations/_run_progress.html" if request.htmx else "integrations/sync_run.html"
        return render(request, template, {"run": run, "live": live, "tab": "runs"})


class DeliveryListView(IntegrationsPage):
    def get(self, request):
        filters = WebhookDeliveryFilter(request.GET, queryset=selectors.webhook_delivery_list())
        rows, status = filter_page(filters)
        return render(request, "integrations/deliveries.html", {**paginate(request, rows, PAGE_SIZE),
                                                                 "tab": "deliveries", "form": filters.form},
                      status=status)


class DeliveryDetailView(IntegrationsPage):
    def get(self, request, delivery_id: int):
        delivery = self.found(selectors.webhook_delivery_get(delivery_id=delivery_id), "delivery")
        body = delivery.body  # shown as it came when it is not JSON (or nested too deep): that is the point
        if not json_depth_error(body):
            with contextlib.suppress(ValueError):
                body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
        return render(request, "integrations/delivery.html", {
            "delivery": delivery, "pretty_body": body, "tab": "deliveries",
            "headers": json.dumps(delivery.headers, indent=2, sort_keys=True)})


class DeliveryReplayView(IntegrationsPage):
    def post(self, request, delivery_id: int):
        delivery = self.found(selectors.webhook_delivery_get(delivery_id=delivery_id), "delivery")
        try:
            delivery = delivery_replay(delivery=delivery, actor=self.actor)
            messages.success(request, f"Replayed: {delivery.get_status_display().lower()}. {delivery.outcome}")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect(self.url("delivery", delivery_id=delivery_id))
