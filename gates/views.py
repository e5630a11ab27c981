"""Gate pages: a gate's checklist with its evaluation history, and the checklist's buttons.

The buttons post with htmx and get the checklist partial back, so they work the same wherever
the partial is included (the releases pages include it for each gate). A refusal comes back
with the service's status (400, 403, 409) and the reason shown on the criterion concerned.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from gates import services
from gates.forms import GateForm, SignOffForm, SignOffRequestForm, WaiverForm
from gates.models import Criterion, Gate, Waiver
from gates.selectors import evaluation_list, gate_checklist
from vsm.errors import DomainError, found
from vsm.live import live_unchanged
from vsm.tenancy.pages import OrgView, paginate
from vsm.tenancy.roles import Perm

EVALUATIONS_PER_PAGE = 25


def _checklist_context(view: OrgView, gate_id: int, problem: dict | None = None, **extra: Any) -> dict[str, Any]:
    checklist = found(gate_checklist(gate_id=gate_id, actor=view.actor), "gate")
    for item in checklist.items:
        if problem is not None and item.criterion.pk == problem["criterion_id"]:
            item.problem = problem
    return {"checklist": checklist, "problem": problem, **extra}


def _gate_form(gate: Gate) -> GateForm:
    return GateForm(initial={"name": gate.name, "owner": gate.owner, "context": gate.context})


def _detail(view: OrgView, gate_id: int, status: int = 200, **extra: Any):
    context = _checklist_context(view, gate_id, **extra)
    if "gate_form" not in context and view.actor.has(Perm.MANAGE_RELEASES):
        context["gate_form"] = _gate_form(context["checklist"].gate)
    context.update(paginate(view.request, evaluation_list(gate_id=gate_id), EVALUATIONS_PER_PAGE))
    return render(view.request, "gates/gate_detail.html", context, status=status)


class GateDetailView(OrgView):
    def get(self, request, gate_id: int):
        return live_unchanged(request) or _detail(self, gate_id)


class GateEditView(OrgView):
    """A gate's name, owner (segregation of duties) and context, for release managers."""

    write_permission = Perm.MANAGE_RELEASES

    def post(self, request, gate_id: int):
        gate = get_object_or_404(Gate, pk=gate_id)
        form = GateForm(request.POST)
        if not form.is_valid():
            return _detail(self, gate_id, status=400, gate_form=form)
        try:
            services.gate_update(actor=self.actor, gate=gate, **form.cleaned_data)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return _detail(self, gate_id, status=error.status, gate_form=form)
        messages.success(request, f"'{form.cleaned_data['name']}' was saved.")
        return self.org_redirect("gates:detail", gate_id=gate_id)


class _ChecklistButton(OrgView):
    """Write permission is the service's call: whether this person may sign this criterion
    depends on its role, the gate's owner and the organization's policy."""

    form_class: type[forms.Form] = forms.Form
    form_name = ""

    def _next(self, gate_id: int) -> str:
        """The page to return to: the one the checklist was on, or the gate's own page."""
        url = self.request.POST.get("next", "")
        safe = url_has_allowed_host_and_scheme(url, allowed_hosts={self.request.get_host()},
                                               require_https=self.request.is_secure())
        return url if safe else reverse("gates:detail", kwargs={"org_slug": self.org.slug, "gate_id": gate_id})

    def act(self, *, gate_id: int, criterion_id: int | None, call: Callable[[dict], Any],
            done: str | Callable[[Any], str]):
        """`done` is the message on success, or makes it from what `call` returned."""
        next_url = self._next(gate_id)
        form = self.form_class(self.request.POST)
        problem, status, notice = None, 200, None
        if form.is_valid():
            try:
                result = call(form.cleaned_data)
                notice = done(result) if callable(done) else done
            except DomainError as error:
                problem, status = {"message": error.message, "fields": error.fields}, error.status
        else:
            first = next(iter(form.errors.values()))[0]
            problem, status = {"message": first, "fields": form.errors}, 400
        if problem is not None:
            problem.update(criterion_id=criterion_id, form=self.form_name, data=self.request.POST)
        if self.request.htmx:
            context = _checklist_context(self, gate_id, problem=problem, next_url=next_url, notice=notice)
            return render(self.request, "gates/_checklist.html", context, status=status)
        if problem is not None:
            return _detail(self, gate_id, status=status, problem=problem, next_url=next_url)
        messages.success(self.request, notice)
        return redirect(next_url)


class GateEvaluateView(_ChecklistButton):
    def post(self, request, gate_id: int):
        gate = get_object_or_404(Gate, pk=gate_id)
        return self.act(gate_id=gate.pk, criterion_id=None, done=f"'{gate.name}' was evaluated.",
                        call=lambda data: services.gate_evaluate(actor=self.actor, gate=gate))


class SignOffRequestView(_ChecklistButton):
    """A release manager asks the people who may sign the gate's waiting criteria."""

    form_class = SignOffRequestForm
    form_name = "request"

    def post(self, request, gate_id: int):
        gate = get_object_or_404(Gate, pk=gate_id)
        return self.act(gate_id=gate.pk, criterion_id=None,
                        done=lambda people: f"Asked {', '.join(p.display_name for p in people)} to sign off.",
                        call=lambda data: services.sign_off_request(actor=self.actor, gate=gate, note=data["note"]))


class SignOffView(_ChecklistButton):
    form_class = SignOffForm
    form_name = "sign"

    def post(self, request, criterion_id: int):
        criterion = get_object_or_404(Criterion, pk=criterion_id)
        return self.act(gate_id=criterion.gate_id, criterion_id=criterion.pk, done=f"Signed off '{criterion.title}'.",
                        call=lambda data: services.gate_sign_off(actor=self.actor, criterion=criterion,
                                                                 decision=data["decision"], comment=data["comment"]))


class WaiveView(_ChecklistButton):
    form_class = WaiverForm
    form_name = "waive"

    def post(self, request, criterion_id: int):
        criterion = get_object_or_404(Criterion, pk=criterion_id)
        return self.act(gate_id=criterion.gate_id, criterion_id=criterion.pk, done=f"Waived '{criterion.title}'.",
                        call=lambda data: services.criterion_waive(actor=self.actor, criterion=criterion,
                                                                   reason=data["reason"],
                                                                   expires_at=data["expires_at"]))


class WaiverRevokeView(_ChecklistButton):
    form_name = "revoke"

    def post(self, request, waiver_id: int):
        waiver = get_object_or_404(Waiver.objects.select_related("criterion"), pk=waiver_id)
        criterion = waiver.criterion
        return self.act(gate_id=criterion.gate_id, criterion_id=criterion.pk,
                        done=f"The waiver of '{criterion.title}' was revoked.",
                        call=lambda data: services.waiver_revoke(actor=self.actor, waiver=waiver))
