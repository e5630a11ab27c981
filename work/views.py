"""My work: one page per person listing what waits on them, deciding several items at once."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import render

from vsm.errors import DomainError
from vsm.live import live_unchanged
from vsm.tenancy.pages import OrgView, paginate
from work import selectors, services

PAGE_SIZE = 50


class DecideForm(forms.Form):
    # "approve" or "reject" the ticked items, or "approve booking:12": one row's own button.
    act = forms.RegexField(regex=r"^(approve|reject)( [a-z_]+:[0-9]{1,18})?$", max_length=40,
                           error_messages={"invalid": "Choose approve or reject."})
    note = forms.CharField(required=False, max_length=500)


def _page(view: OrgView, status: int = 200, error: DomainError | None = None):
    items = selectors.my_work(actor=view.actor, org_slug=view.org.slug)
    return render(view.request, "work/my_work.html", {
        **paginate(view.request, items, PAGE_SIZE), "decidable": sum(1 for item in items if item.decidable),
        "error": error}, status=status)


class MyWorkView(OrgView):
    def get(self, request):
        return live_unchanged(request) or _page(self)

    def post(self, request):
        form = DecideForm(request.POST)
        if not form.is_valid():
            return _page(self, status=400, error=DomainError(next(iter(form.errors.values()))[0]))
        verb, _, one = form.cleaned_data["act"].partition(" ")
        keys = [one] if one else request.POST.getlist("items")
        note = (request.POST.get(f"note:{one}") if one else "") or form.cleaned_data["note"]
        try:
            outcomes = services.work_decide(actor=self.actor, keys=keys, approve=verb == "approve", note=note)
        except DomainError as error:
            return _page(self, status=error.status, error=error)
        done = sum(1 for outcome in outcomes if outcome.done)
        if done:
            messages.success(request, f"{'Approved' if verb == 'approve' else 'Rejected'} {done} "
                                      f"item{'s' if done != 1 else ''}.")
        for outcome in outcomes:
            if not outcome.done:
                messages.error(request, f"{outcome.key}: {outcome.error.message}")
        return self.org_redirect("work:mine")
