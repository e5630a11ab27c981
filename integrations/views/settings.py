"""The organization's delivery settings: how incidents are attributed to deployments."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from integrations.connection_selectors import delivery_settings_get
from integrations.forms import DeliverySettingsForm
from integrations.services.delivery_settings import delivery_settings_update
from integrations.views.base import IntegrationsPage
from vsm.errors import DomainError


class DeliverySettingsView(IntegrationsPage):
    def show(self, form, status: int = 200):
        return render(self.request, "integrations/settings.html", {"form": form, "tab": "settings"}, status=status)

    def get(self, request):
        current = delivery_settings_get()
        return self.show(DeliverySettingsForm(initial={
            "attribute_incidents_by_time": current.attribute_incidents_by_time,
            "incident_attribution_hours": current.incident_attribution_hours}))

    def post(self, request):
        form = DeliverySettingsForm(request.POST)
        if not form.is_valid():
            return self.show(form, status=400)
        try:
            delivery_settings_update(actor=self.actor, **form.cleaned_data)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.show(form, status=error.status)
        messages.success(request, "Delivery settings saved; attribution is being recomputed.")
        return redirect(self.url("delivery_settings"))
