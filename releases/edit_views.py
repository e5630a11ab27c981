"""Pages that edit what the other release pages create: a release's own fields, release slot
windows and release templates (with their phases). Through the services; deleting asks first."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from releases import selectors, services
from releases.forms import ReleaseEditForm, SlotWindowForm, TemplateForm, TemplatePhaseFormSet
from releases.models import Release, ReleaseSlotWindow
from releases.views import ReleasePage
from vsm.errors import DomainError, found
from vsm.moments import moment_text
from vsm.tenancy.roles import Perm


def _local(moment, zone):
    return moment.astimezone(zone) if moment else None


# --- a release ------------------------------------------------------------------------------

def _release_initial(release: Release) -> dict[str, Any]:
    zone = timezone.get_current_timezone()
    return {"name": release.name, "version": release.version, "value_stream": release.value_stream,
            "kind": release.kind, "parent": release.parent, "owner": release.owner, "risk": release.risk,
            "strategy": release.strategy, "description": release.description,
            "planned_start": _local(release.planned_start, zone), "planned_end": _local(release.planned_end, zone),
            "services": [link.service for link in release.service_links.all()]}


class ReleaseEditView(ReleasePage):
    """Only what the form changed goes to the service, so a release with phases can still be
    renamed although its version, owner and dates are then fixed."""

    permission = write_permission = Perm.MANAGE_RELEASES

    def get(self, request, release_id: int, form=None, status=200):
        release = self.release(release_id)
        form = form or ReleaseEditForm(initial=_release_initial(release))
        return render(request, "releases/release_edit.html", {"release": release, "form": form}, status=status)

    def post(self, request, release_id: int):
        release = self.release(release_id)
        form = ReleaseEditForm(request.POST)
        if not form.is_valid():
            return self.get(request, release_id, form=form, status=400)
        current = _release_initial(release)
        changes = {name: value for name, value in form.cleaned_data.items()
                   if (set(value) != set(current[name]) if name == "services" else value != current[name])}
        if "services" in changes:
            versions = {link.service_id: link.version for link in release.service_links.all()}
            changes["services"] = [(service, versions.get(service.pk, "")) for service in changes["services"]]
        try:
            services.release_update(actor=self.actor, release=release, **changes)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.get(request, release_id, form=form, status=error.status)
        messages.success(request, f"{form.cleaned_data['name']} {form.cleaned_data['version']} was saved.")
        return self.org_redirect("releases:detail", release_id=release.pk)


def _confirm_delete(request, *, entry, noun: str, cancel_url: str, consequences: list[str]):
    return render(request, "catalog/confirm_delete.html", {"entry": entry, "noun": noun, "cancel_url": cancel_url,
                                                           "consequences": consequences})


# --- release slot windows -------------------------------------------------------------------

def _in_own_zone(data: dict[str, Any]) -> dict[str, Any]:
    """The form's times are wall-clock times in the window's zone, as for freeze windows."""
    data = dict(data)
    data["time_zone"] = data["time_zone"] or timezone.get_current_timezone().key
    if data["time_zone"] in zoneinfo.available_timezones():
        zone = zoneinfo.ZoneInfo(data["time_zone"])
        for name in ("starts_at", "ends_at"):
            data[name] = timezone.make_aware(timezone.make_naive(data[name], timezone.get_current_timezone()), zone)
    return data


class SlotWindowPage(ReleasePage):
    permission = write_permission = Perm.MANAGE_RELEASES

    def window(self, slot_window_id: int) -> ReleaseSlotWindow:
        return get_object_or_404(ReleaseSlotWindow, pk=slot_window_id)

    def form_page(self, request, *, form, window=None, status=200):
        return render(request, "releases/slot_window_edit.html", {"form": form, "window": window}, status=status)

    def save(self, request, form, call, window=None):
        """Back to the slots once saved, else the form again with the errors on their fields."""
        status = 400
        if form.is_valid() and form.previewing:
            status = 200
        elif form.is_valid():
            try:
                saved = call(**_in_own_zone(form.cleaned_data))
            except DomainError as error:
                self.domain_error_to_form(form, error)
                status = error.status
            else:
                messages.success(request, f"'{saved.name}' was saved.")
                return self.org_redirect("releases:slots")
        return self.form_page(request, form=form, window=window, status=status)


class SlotWindowCreateView(SlotWindowPage):
    def get(self, request):
        return self.form_page(request, form=SlotWindowForm(initial={"time_zone": timezone.get_current_timezone().key}))

    def post(self, request):
        return self.save(request, SlotWindowForm(request.POST),
                         lambda **data: services.slot_window_create(actor=self.actor, **data))


class SlotWindowEditView(SlotWindowPage):
    def get(self, request, slot_window_id: int):
        window = self.window(slot_window_id)
        zone = zoneinfo.ZoneInfo(window.time_zone)
        return self.form_page(request, window=window, form=SlotWindowForm(initial={
            "name": window.name, "starts_at": window.starts_at.astimezone(zone),
            "ends_at": window.ends_at.astimezone(zone), "rrule": window.rrule, "time_zone": window.time_zone,
            "capacity": window.capacity}))

    def post(self, request, slot_window_id: int):
        window = self.window(slot_window_id)
        return self.save(request, SlotWindowForm(request.POST), lambda **data: services.slot_window_update(
            actor=self.actor, window=window, **data), window=window)


class SlotWindowDeleteView(SlotWindowPage):
    """GET asks for confirmation, naming the bookings that go with the window; POST deletes."""

    def get(self, request, slot_window_id: int):
        window = self.window(slot_window_id)
        booked = [f"{b.release} on {moment_text(b.slot_start)}"
                  for b in window.bookings.select_related("release").order_by("slot_start")]
        return _confirm_delete(request, entry=window, noun="release slot window",
                               cancel_url=reverse("releases:slots", kwargs={"org_slug": self.org.slug}),
                               consequences=[f"{len(booked)} slot booking(s) are removed with it: "
                                             f"{', '.join(booked)}."] if booked else [])

    def post(self, request, slot_window_id: int):
        window = self.window(slot_window_id)
        services.slot_window_delete(actor=self.actor, window=window)
        messages.success(request, f"'{window.name}' was deleted.")
        return self.org_redirect("releases:slots")


# --- release templates ----------------------------------------------------------------------

def _phases(formset) -> list[dict[str, Any]]:
    return [{k: v for k, v in form.cleaned_data.items() if k != "DELETE"} for form in formset.forms
            if form.has_changed() and not form.cleaned_data.get("DELETE")]


class TemplatePage(ReleasePage):
    permission = write_permission = Perm.MANAGE_RELEASES

    def template(self, template_id: int):
        return found(selectors.template_get(template_id=template_id), "template")

    def page(self, request, *, form, formset, template=None, status=200):
        return render(request, "releases/template_edit.html", {"form": form, "formset": formset,
                                                               "template": template}, status=status)

    def save(self, request, form, formset, call, template=None):
        """Back to the templates once saved, else the forms again; a refusal naming a phase's
        field (`phases[1].exit_criteria[0].rule`) is listed above the phases."""
        status = 400
        if form.is_valid() and formset.is_valid():
            try:
                saved = call(phases=_phases(formset), **form.cleaned_data)
            except DomainError as error:
                self.domain_error_to_form(form, error)
                formset.non_form_errors().extend(f"{name}: {' '.join(errors)}"
                                                 for name, errors in error.fields.items() if name.startswith("phases"))
                status = error.status
            else:
                messages.success(request, f"The template '{saved.name}' was saved.")
                return self.org_redirect("releases:templates")
        return self.page(request, form=form, formset=formset, template=template, status=status)


class TemplateListView(TemplatePage):
    permission = Perm.VIEW

    def get(self, request):
        return render(request, "releases/templates.html", {"templates": selectors.template_list()})


class TemplateCreateView(TemplatePage):
    def get(self, request):
        return self.page(request, form=TemplateForm(), formset=TemplatePhaseFormSet(prefix="phases"))

    def post(self, request):
        return self.save(request, TemplateForm(request.POST), TemplatePhaseFormSet(request.POST, prefix="phases"),
                         lambda **data: services.template_create(actor=self.actor, **data))


class TemplateEditView(TemplatePage):
    def get(self, request, template_id: int):
        template = self.template(template_id)
        phases = [{"name": p.name, "tier": p.tier, "duration_days": p.duration_days,
                   "entry_criteria": p.entry_criteria, "exit_criteria": p.exit_criteria} for p in template.phases.all()]
        return self.page(request, template=template, form=TemplateForm(initial={
            "name": template.name, "description": template.description}),
            formset=TemplatePhaseFormSet(prefix="phases", initial=phases))

    def post(self, request, template_id: int):
        template = self.template(template_id)
        return self.save(request, TemplateForm(request.POST), TemplatePhaseFormSet(request.POST, prefix="phases"),
                         lambda **data: services.template_update(actor=self.actor, template=template, **data),
                         template=template)


class TemplateDeleteView(TemplatePage):
    def get(self, request, template_id: int):
        template = self.template(template_id)
        return _confirm_delete(request, entry=template, noun="release template",
                               cancel_url=reverse("releases:templates", kwargs={"org_slug": self.org.slug}),
                               consequences=["Releases made from it keep their phases and gates."])

    def post(self, request, template_id: int):
        template = self.template(template_id)
        services.template_delete(actor=self.actor, template=template)
        messages.success(request, f"The template '{template.name}' was deleted.")
        return self.org_redirect("releases:templates")
