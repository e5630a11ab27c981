"""Delivery pages: what is deployed where, two environments compared, and which environments
need an approved change request."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render

from integrations import matrix, selectors
from integrations.delivery_forms import ChangeControlForm, CompareForm, MatrixFilterForm
from integrations.services.change_control import change_control_set
from vsm.errors import DomainError
from vsm.tenancy.pages import OrgView, paginate
from vsm.tenancy.roles import Perm

SERVICES_PER_PAGE = 50


class MatrixView(OrgView):
    def get(self, request):
        form = MatrixFilterForm(request.GET or None)
        stream = form.value_stream_or_none()
        page = paginate(request, matrix.deployed_services(value_stream=stream), SERVICES_PER_PAGE)["page_obj"]
        grid = matrix.environment_version_matrix(services=list(page.object_list), value_stream=stream)
        return render(request, "delivery/matrix.html", {"form": form, "page_obj": page, "grid": grid},
                      status=400 if form.is_bound and not form.is_valid() else 200)


class CompareView(OrgView):
    def get(self, request):
        form = CompareForm(request.GET or None)
        rows = []
        if form.is_valid():
            data = form.cleaned_data
            rows = matrix.environment_compare(left=data["left"], right=data["right"],
                                              value_stream=data.get("value_stream"))
        only_differences = request.GET.get("differences") == "1"
        shown = [row for row in rows if row.differs] if only_differences else rows
        return render(request, "delivery/compare.html", {
            "form": form, "only_differences": only_differences, "differing": sum(row.differs for row in rows),
            "total": len(rows), **paginate(request, shown, SERVICES_PER_PAGE),
        }, status=400 if form.is_bound and not form.is_valid() else 200)


class ChangeControlView(OrgView):
    write_permission = Perm.MANAGE_ENVIRONMENTS

    def get(self, request, form=None, status=200):
        return render(request, "delivery/change_control.html", {
            "form": form, **paginate(request, selectors.change_control_list()),
        }, status=status)

    def post(self, request):
        form = ChangeControlForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        env, required = form.cleaned_data["environment"], form.cleaned_data["required"]
        try:
            change_control_set(actor=self.actor, environment=env, required=required)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.get(request, form=form, status=400)
        messages.success(request, f"Deployments into {env.name} now {'need' if required else 'no longer need'} "
                                  "an approved change request.")
        return self.org_redirect("delivery:change_control")
