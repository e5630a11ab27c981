"""Outages and provisioning requests."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, render

from environments import selectors, services
from environments.forms import (
    OutageForm,
    ProvisioningAdvanceForm,
    ProvisioningForm,
)
from environments.models import (
    Environment,
    Outage,
    ProvisioningRequest,
)
from environments.views.base import EnvPage, page_of
from vsm.errors import DomainError
from vsm.tenancy.roles import Perm

# --- outages --------------------------------------------------------------------------------

def _outages(request, actor, env: Environment, form=None, status: int = 200):
    return render(request, "environments/outages.html", {
        "env": env, "form": form or OutageForm(), "page_obj": page_of(
            request, selectors.outage_list().filter(environment=env).order_by("-period")),
        "can_manage": selectors.is_environment_manager(actor=actor, environment=env),
    }, status=status)


class OutagesView(EnvPage):
    def get(self, request, env_slug: str):
        return _outages(request, self.actor, self.environment(env_slug))

    def post(self, request, env_slug: str):
        env = self.environment(env_slug)
        form = OutageForm(request.POST)
        if not form.is_valid():
            return _outages(request, self.actor, env, form=form, status=400)
        try:
            services.outage_create(actor=self.actor, environment=env, **form.cleaned_data)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return _outages(request, self.actor, env, form=form, status=error.status)
        messages.success(request, f"{form.cleaned_data['kind'].capitalize()} of {env.name} marked.")
        return self.org_redirect("environments:outages", env_slug=env.slug)


class OutageDeleteView(EnvPage):
    def post(self, request, env_slug: str, outage_id: int):
        env = self.environment(env_slug)
        outage = get_object_or_404(Outage, pk=outage_id, environment=env)
        try:
            services.outage_delete(actor=self.actor, outage=outage)
        except DomainError as error:
            messages.error(request, error.message)
            return _outages(request, self.actor, env, status=error.status)
        messages.success(request, "The outage was removed.")
        return self.org_redirect("environments:outages", env_slug=env.slug)


# --- provisioning ---------------------------------------------------------------------------

def _provisioning(request, form=None, status: int = 200):
    return render(request, "environments/provisioning.html", {
        "form": form or ProvisioningForm(),
        "page_obj": page_of(request, selectors.provisioning_request_list()),
    }, status=status)


class ProvisioningView(EnvPage):
    write_permission = Perm.BOOK_ENVIRONMENTS

    def get(self, request):
        return _provisioning(request)

    def post(self, request):
        form = ProvisioningForm(request.POST)
        if not form.is_valid():
            return _provisioning(request, form=form, status=400)
        try:
            services.provisioning_request_create(actor=self.actor, **form.cleaned_data)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return _provisioning(request, form=form, status=error.status)
        messages.success(request, "Your request was sent to the environment managers.")
        return self.org_redirect("environments:provisioning")


class ProvisioningAdvanceView(EnvPage):
    write_permission = Perm.MANAGE_ENVIRONMENTS

    def post(self, request, provisioning_id: int):
        item = get_object_or_404(ProvisioningRequest, pk=provisioning_id)
        form = ProvisioningAdvanceForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose the next step.")
            return _provisioning(request, status=400)
        try:
            services.provisioning_request_advance(actor=self.actor, request=item, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
            return _provisioning(request, status=error.status)
        messages.success(request, f"The request is now {form.cleaned_data['status']}.")
        return self.org_redirect("environments:provisioning")
