"""Release pages: the list, the calendar, a release with its phases, gates and plan, creating a
release from a template, moving phases (with what a move collides with, before saving), freeze
windows and release slots. Times are shown and typed in the viewer's zone."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from environments.feeds import make_feed_token
from gates.selectors import gate_checklists
from releases import selectors, services
from releases.filters import ReleasePageFilter
from releases.forms import (
    ActivityCompleteForm,
    ActivityForm,
    AdvanceForm,
    CalendarForm,
    DependencyForm,
    FreezeWindowForm,
    PhaseForm,
    ReleaseForm,
    SettingsForm,
    SlotBookForm,
)
from releases.models import (
    DeploymentActivity,
    FreezeWindow,
    Phase,
    PhaseStatus,
    Release,
    ReleaseDependency,
    SlotBooking,
)
from vsm.audit.selectors import audit_event_list
from vsm.errors import DomainError, found
from vsm.live import live_unchanged
from vsm.tenancy.pages import OrgView, filter_page, paginate
from vsm.tenancy.roles import Perm

PAGE_SIZE = 25
AUDIT_TRAIL = 30
SLOT_DAYS = 21


class ReleasePage(OrgView):
    def release(self, release_id: int) -> Release:
        return found(selectors.release_get(release_id=release_id), "release")


def _placed(start: datetime, end: datetime, window_start: datetime, window_end: datetime) -> dict[str, float]:
    """Position on a timeline track, in percent of the window, clipped to it."""
    span = (window_end - window_start).total_seconds()
    lower, upper = max(start, window_start), min(end, window_end)
    return {"left": round((lower - window_start).total_seconds() / span * 100, 3),
            "width": max(round((upper - lower).total_seconds() / span * 100, 3), 0.5)}


# --- list and create ------------------------------------------------------------------------

class ReleaseListView(ReleasePage):
    def get(self, request):
        filters = ReleasePageFilter(request.GET, queryset=selectors.release_list())
        releases, status = filter_page(filters)
        return render(request, "releases/list.html", {"form": filters.form, **paginate(request, releases, PAGE_SIZE)},
                      status=status)


class ReleaseCreateView(ReleasePage):
    write_permission = Perm.MANAGE_RELEASES

    def get(self, request, form=None, status=200):
        if form is None:
            form = ReleaseForm(initial={"template": selectors.template_list().first()})
        return render(request, "releases/create.html", {"form": form}, status=status)

    def post(self, request):
        form = ReleaseForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        data = dict(form.cleaned_data)
        template = data.pop("template")
        data["services"] = [(service, "") for service in data["services"]]
        if data["owner"] is None:
            data.pop("owner")
        try:
            if template is not None:
                release = services.release_create_from_template(actor=self.actor, template=template, **data)
            else:
                release = services.release_create(actor=self.actor, **data)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.get(request, form=form, status=error.status)
        messages.success(request, f"{release} was created.")
        return self.org_redirect("releases:detail", release_id=release.pk)


class ReleasePlanPreviewView(ReleasePage):
    """The htmx preview of the create form: the phases a template would lay out from the planned
    start, each with what it would collide with, before the release is saved. Always 200."""

    def get(self, request):
        form = ReleaseForm(request.GET)
        form.is_valid()  # what did validate is in cleaned_data; the rest waits for the person
        data = form.cleaned_data
        template, start, stream = data.get("template"), data.get("planned_start"), data.get("value_stream")
        rows = None
        if template is not None and start is not None:
            plan = selectors.template_plan(template=template, planned_start=start, value_stream=stream)
            rows = selectors.plan_collisions(plan=plan, name=data.get("name") or "", version=data.get("version") or "",
                                             value_stream=stream)
        return render(request, "releases/_plan_preview.html", {"rows": rows, "template": template})


# --- detail ---------------------------------------------------------------------------------

def _audit_trail(release: Release, phases: list[Phase]) -> list:
    related = Q(object_type="releases.release", object_id=str(release.pk))
    related |= Q(object_type="releases.phase", object_id__in=[str(p.pk) for p in phases])
    related |= Q(object_type="gates.gate", object_id__in=[str(g) for p in phases
                                                          for g in (p.entry_gate_id, p.exit_gate_id) if g])
    related |= Q(object_type="releases.deploymentactivity",
                 object_id__in=[str(a.pk) for a in release.activities.all()])
    return list(audit_event_list().filter(related)[:AUDIT_TRAIL])


def _detail(view: ReleasePage, release_id: int, status: int = 200, **extra: Any):
    release = view.release(release_id)
    phases = list(release.phases.all())
    checklists = gate_checklists(gate_ids=[g for p in phases for g in (p.entry_gate_id, p.exit_gate_id) if g],
                                 actor=view.actor)
    active = next((p for p in phases if p.status == PhaseStatus.ACTIVE), None)
    following = next((p for p in phases if p.status == PhaseStatus.PENDING
                      and (active is None or p.order > active.order)), None)
    span_start, span_end = release.planned_start, release.planned_end
    states = selectors.phase_states(phases)
    rows = [{"phase": p, "state": states[p.pk], "entry": checklists.get(p.entry_gate_id),
             "exit": checklists.get(p.exit_gate_id),
             "bar": _placed(p.planned_start, p.planned_end, span_start, span_end) if span_start and span_end
             and span_end > span_start else None} for p in phases]
    activities = list(release.activities.all())
    context = {
        "release": release, "rows": rows, "active": active, "following": following,
        "moving": active or following, "rollup": selectors.release_rollup(release=release) if release.is_train
        else None, "warnings": selectors.dependency_warnings(release=release),
        "activities": activities, "progress": selectors.plan_progress(activities),
        "slot_bookings": selectors.slot_booking_list(release=release, upcoming=True)[:10],
        "recent_changes": _audit_trail(release, phases) if view.actor.has(Perm.VIEW_AUDIT) else None,
        "dependency_form": DependencyForm(), "activity_form": ActivityForm(),
        **_advance_preview(view, release, following),
        "next_url": reverse("releases:detail", kwargs={"org_slug": view.org.slug, "release_id": release.pk}),
        **extra,
    }
    return render(view.request, "releases/detail.html", context, status=status)


def _advance_preview(view: ReleasePage, release: Release, following: Phase | None) -> dict[str, Any]:
    """What starting the next phase collides with, and the freezes in force on its environment
    that need the glass broken, for release managers before they press the button."""
    if following is None or release.is_closed or not view.actor.has(Perm.MANAGE_RELEASES):
        return {}
    return {"advance_collisions": selectors.advance_collisions(release=release, phase=following),
            "frozen": [f for f in selectors.advance_freezes(release=release, phase=following) if f.override is None],
            "can_break_glass": services.override_refusal(actor=view.actor, release=release) is None}


class ReleaseDetailView(ReleasePage):
    def get(self, request, release_id: int):
        return live_unchanged(request) or _detail(self, release_id)


class AdvanceView(ReleasePage):
    write_permission = Perm.MANAGE_RELEASES

    def post(self, request, release_id: int):
        release = get_object_or_404(Release, pk=release_id)
        form = AdvanceForm(request.POST)
        try:
            if not form.is_valid():
                raise DomainError(next(iter(form.errors.values()))[0], fields=form.errors)
            services.release_advance_phase(actor=self.actor, release=release, phase_id=form.cleaned_data["phase"],
                                           override_reason=form.cleaned_data["override_reason"])
        except DomainError as error:
            return _detail(self, release_id, status=error.status, advance_error=error)
        release.refresh_from_db()
        current = release.phases.filter(status=PhaseStatus.ACTIVE).first()
        messages.success(request, f"{release} is now in {current.name}." if current else f"{release} is released.")
        return self.org_redirect("releases:detail", release_id=release.pk)


class DependencyAddView(ReleasePage):
    write_permission = Perm.MANAGE_RELEASES

    def post(self, request, release_id: int):
        release = get_object_or_404(Release, pk=release_id)
        form = DependencyForm(request.POST)
        if not form.is_valid():
            return _detail(self, release_id, status=400, dependency_form=form)
        try:
            services.dependency_add(actor=self.actor, release=release, **form.cleaned_data)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return _detail(self, release_id, status=error.status, dependency_form=form)
        messages.success(request, "The dependency was added.")
        return self.org_redirect("releases:detail", release_id=release.pk)


class DependencyRemoveView(ReleasePage):
    write_permission = Perm.MANAGE_RELEASES

    def post(self, request, dependency_id: int):
        dependency = get_object_or_404(ReleaseDependency, pk=dependency_id)
        services.dependency_remove(actor=self.actor, dependency=dependency)
        messages.success(request, "The dependency was removed.")
        return self.org_redirect("releases:detail", release_id=dependency.release_id)


class ActivityAddView(ReleasePage):
    write_permission = Perm.MANAGE_RELEASES

    def post(self, request, release_id: int):
        release = get_object_or_404(Release, pk=release_id)
        form = ActivityForm(request.POST)
        if not form.is_valid():
            return _detail(self, release_id, status=400, activity_form=form)
        try:
            services.activity_add(actor=self.actor, release=release, **form.cleaned_data)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return _detail(self, release_id, status=error.status, activity_form=form)
        messages.success(request, "The step was added to the deployment plan.")
        return self.org_redirect("releases:detail", release_id=release.pk)


class ActivityCompleteView(ReleasePage):
    """Whether this person may complete this step is the service's call (owner or release manager)."""

    def post(self, request, activity_id: int):
        activity = get_object_or_404(DeploymentActivity, pk=activity_id)
        form = ActivityCompleteForm(request.POST)
        status = request.POST.get("status") or "done"
        try:
            if not form.is_valid():  # a NUL character, which PostgreSQL cannot store
                raise DomainError(next(iter(form.errors.values()))[0], fields=form.errors)
            services.activity_complete(actor=self.actor, activity=activity, status=status,
                                       note=form.cleaned_data["note"])
        except DomainError as error:
            return _detail(self, activity.release_id, status=error.status, activity_error=error,
                           activity_error_id=activity.pk)
        messages.success(request, f"'{activity.title}' is {status}.")
        return self.org_redirect("releases:detail", release_id=activity.release_id)


class EvidenceView(ReleasePage):
    def get(self, request, release_id: int):
        release = self.release(release_id)
        return render(request, "releases/evidence.html", {"release": release,
                                                          "pack": selectors.evidence_pack(release=release)})


# --- phases ---------------------------------------------------------------------------------

def _phase_form_initial(phase: Phase) -> dict:
    zone = timezone.get_current_timezone()
    return {"name": phase.name, "environment": phase.environment, "planned_start": phase.planned_start.astimezone(zone),
            "planned_end": phase.planned_end.astimezone(zone)}


class PhaseEditView(ReleasePage):
    """Move, rename or retarget a phase; as the form changes, an htmx preview lists what the
    new dates would collide with (freezes, other bookings, dependencies), before saving."""

    write_permission = Perm.MANAGE_RELEASES

    def phase(self, phase_id: int) -> Phase:
        return get_object_or_404(Phase.objects.select_related("release", "environment"), pk=phase_id)

    def get(self, request, phase_id: int, form=None, status=200):
        phase = self.phase(phase_id)
        form = form or PhaseForm(initial=_phase_form_initial(phase))
        return render(request, "releases/phase_edit.html", {
            "phase": phase, "release": phase.release, "form": form,
            "phases": selectors.phases_with_gates().filter(release=phase.release)}, status=status)

    def post(self, request, phase_id: int):
        phase = self.phase(phase_id)
        form = PhaseForm(request.POST)
        if not form.is_valid():
            return self.get(request, phase_id, form=form, status=400)
        try:
            services.phase_update(actor=self.actor, phase=phase, **form.cleaned_data)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.get(request, phase_id, form=form, status=error.status)
        messages.success(request, f"{form.cleaned_data['name']} was saved.")
        return self.org_redirect("releases:detail", release_id=phase.release_id)


class PhasePreviewView(ReleasePage):
    """The htmx preview: always 200, so the answer is swapped in while the form is filled."""

    def get(self, request, phase_id: int):
        phase = get_object_or_404(Phase.objects.select_related("release", "environment"), pk=phase_id)
        form = PhaseForm(request.GET)
        context: dict[str, Any] = {"phase": phase, "found": None, "problem": None}
        if form.is_valid():
            data = form.cleaned_data
            context["found"] = selectors.phase_collisions(phase=phase, start=data["planned_start"],
                                                          end=data["planned_end"], environment=data["environment"])
        else:
            context["problem"] = next(iter(form.errors.values()))[0]
        return render(request, "releases/_collisions.html", context)


class PhaseAddView(ReleasePage):
    write_permission = Perm.MANAGE_RELEASES

    def post(self, request, release_id: int):
        release = get_object_or_404(Release, pk=release_id)
        form = PhaseForm(request.POST)
        try:
            if not form.is_valid():
                raise DomainError(next(iter(form.errors.values()))[0], fields=form.errors)
            services.phase_add(actor=self.actor, release=release, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, f"The phase was not added: {error.message}")
            return _detail(self, release_id, status=error.status)
        messages.success(request, f"{form.cleaned_data['name']} was added.")
        return self.org_redirect("releases:detail", release_id=release.pk)


# --- calendar -------------------------------------------------------------------------------

def _calendar_window(view: str, day: date, zone) -> tuple[datetime, datetime, list[tuple[str, bool]]]:
    today = timezone.localdate()
    if view == "quarter":
        first = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        last = first + relativedelta(months=3)
        weeks = [first + timedelta(days=7 * n) for n in range(((last - first).days + 6) // 7)]
        columns = [(w.strftime("%d %b"), w <= today < w + timedelta(days=7)) for w in weeks]
    else:
        first = day.replace(day=1)
        last = first + relativedelta(months=1)
        columns = [((first + timedelta(days=n)).strftime("%d"), first + timedelta(days=n) == today)
                   for n in range((last - first).days)]
    return datetime.combine(first, time.min, tzinfo=zone), datetime.combine(last, time.min, tzinfo=zone), columns


class CalendarView(ReleasePage):
    """A Gantt-style timeline: each release (a train, then its children) with its phases, and the
    freeze windows across the top; month or quarter."""

    def get(self, request):
        form = CalendarForm(request.GET or None)
        valid = form.is_valid() if form.is_bound else True
        data = form.cleaned_data if form.is_bound and valid else {}
        view = data.get("view") or "month"
        day = data.get("date") or timezone.localdate()
        start, end, columns = _calendar_window(view, day, timezone.get_current_timezone())
        stream = data.get("value_stream")
        releases = selectors.release_calendar(start=start, end=end, value_stream=stream.slug if stream else None)
        page = paginate(request, releases if valid else Release.objects.none(), 30)["page_obj"]
        rows = [{"release": r, "bar": _placed(r.planned_start, r.planned_end, start, end),
                 "milestone": _placed(r.planned_end, r.planned_end, start, end)["left"]
                 if start <= r.planned_end < end else None,
                 "phases": [{"phase": p, **_placed(p.planned_start, p.planned_end, start, end)}
                            for p in r.phases.all() if p.planned_start < end and p.planned_end > start]}
                for r in page.object_list]
        freezes = selectors.freeze_occurrences(start=start, end=end, value_stream=stream, everywhere=stream is None)
        freezes = _in_lanes([{"occurrence": o, **_placed(o.start, o.end, start, end)} for o in freezes])
        step = relativedelta(months=3 if view == "quarter" else 1)
        return render(request, "releases/calendar.html", {
            "form": form, "view": view, "views": CalendarForm.VIEWS, "day": day, "start": start,
            "last": end - timedelta(seconds=1), "columns": columns, "rows": rows, "page_obj": page,
            "freezes": freezes, "freeze_lanes": 1 + max((f["lane"] for f in freezes), default=0),
            "previous_day": start.date() - step, "next_day": start.date() + step,
            "feed_url": request.build_absolute_uri(feed_path(org=self.org)),
        }, status=200 if valid else 400)


def _in_lanes(bars: list[dict]) -> list[dict]:
    """Each bar with the first `lane` free at its start, so freezes that overlap in time sit one
    above the other instead of printing their names over each other."""
    lane_ends: list[float] = []
    for bar in sorted(bars, key=lambda b: b["left"]):
        lane = next((n for n, right in enumerate(lane_ends) if right <= bar["left"]), len(lane_ends))
        lane_ends[lane:lane + 1] = [bar["left"] + bar["width"]]
        bar["lane"] = lane
    return bars


def feed_path(*, org) -> str:
    token = make_feed_token(kind="releases", org_id=org.pk, object_id=org.pk)
    return reverse("releases:feed", kwargs={"org_slug": org.slug, "feed_token": token})


# --- freeze windows -------------------------------------------------------------------------

def _freeze_data(form: FreezeWindowForm) -> dict:
    """The form's times are wall-clock times in the window's own zone (the zone its rule runs
    in), not the viewer's: "Friday 16:00 Europe/Berlin" means 16:00 in Berlin for everyone."""
    data = dict(form.cleaned_data)
    data["environments"] = list(data["environments"])
    data["time_zone"] = data["time_zone"] or timezone.get_current_timezone().key
    if data["time_zone"] in zoneinfo.available_timezones():
        zone = zoneinfo.ZoneInfo(data["time_zone"])
        for name in ("starts_at", "ends_at"):
            wall = timezone.make_naive(data[name], timezone.get_current_timezone())
            data[name] = timezone.make_aware(wall, zone)
    return data


class FreezeListView(ReleasePage):
    write_permission = Perm.MANAGE_FREEZES

    def get(self, request, form=None, status=200):
        context = paginate(request, selectors.freeze_window_list().filter(
            selectors.freeze_not_over() if request.GET.get("all") != "1" else Q()), PAGE_SIZE)
        running = {o.window.pk: o for o in selectors.freeze_active()}
        return render(request, "releases/freezes.html", {
            **context, "form": form or FreezeWindowForm(initial={"time_zone": timezone.get_current_timezone().key}),
            "running": running, "show_all": request.GET.get("all") == "1"}, status=status)

    def post(self, request):
        form = FreezeWindowForm(request.POST)
        if not form.is_valid() or form.previewing:
            return self.get(request, form=form, status=200 if form.is_valid() else 400)
        try:
            window = services.freeze_window_create(actor=self.actor, **_freeze_data(form))
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.get(request, form=form, status=error.status)
        messages.success(request, f"'{window.name}' was saved.")
        return self.org_redirect("releases:freezes")


class FreezeEditView(ReleasePage):
    write_permission = Perm.MANAGE_FREEZES

    def window(self, freeze_id: int) -> FreezeWindow:
        return found(selectors.freeze_window_get(window_id=freeze_id), "freeze window")

    def get(self, request, freeze_id: int, form=None, status=200):
        window = self.window(freeze_id)
        zone = zoneinfo.ZoneInfo(window.time_zone)
        form = form or FreezeWindowForm(initial={
            "name": window.name, "reason": window.reason, "scope": window.scope, "value_stream": window.value_stream,
            "tier": window.tier, "environments": list(window.environments.all()),
            "starts_at": window.starts_at.astimezone(zone), "ends_at": window.ends_at.astimezone(zone),
            "rrule": window.rrule, "time_zone": window.time_zone})
        return render(request, "releases/freeze_edit.html", {
            "window": window, "form": form, "overrides": selectors.freeze_override_list(window=window)[:20]},
            status=status)

    def post(self, request, freeze_id: int):
        window = self.window(freeze_id)
        form = FreezeWindowForm(request.POST)
        if not form.is_valid() or form.previewing:
            return self.get(request, freeze_id, form=form, status=200 if form.is_valid() else 400)
        try:
            services.freeze_window_update(actor=self.actor, window=window, **_freeze_data(form))
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.get(request, freeze_id, form=form, status=error.status)
        messages.success(request, f"'{form.cleaned_data['name']}' was saved.")
        return self.org_redirect("releases:freezes")


class FreezeDeleteView(ReleasePage):
    write_permission = Perm.MANAGE_FREEZES

    def post(self, request, freeze_id: int):
        window = get_object_or_404(FreezeWindow, pk=freeze_id)
        services.freeze_window_delete(actor=self.actor, window=window)
        messages.success(request, f"'{window.name}' was removed.")
        return self.org_redirect("releases:freezes")


# --- release slots --------------------------------------------------------------------------

class SlotsView(ReleasePage):
    """The upcoming production release slots, who booked them, and booking one for a release."""

    write_permission = Perm.BOOK_ENVIRONMENTS

    def get(self, request, form=None, error=None, status=200):
        now = timezone.now()
        windows = list(selectors.slot_window_list())
        return render(request, "releases/slots.html", {
            "windows": windows, "slots": selectors.slots_between(start=now, end=now + timedelta(days=SLOT_DAYS),
                                                                 windows=windows, limit=100),
            "form": form or SlotBookForm(auto_id=False), "error": error,
            "settings_form": SettingsForm(initial={
                "require_release_slots": selectors.release_settings_get().require_release_slots}),
        }, status=status)

    def post(self, request):
        form = SlotBookForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form, error=DomainError("Choose a slot and a release."), status=400)
        try:
            services.slot_book(actor=self.actor, **form.cleaned_data)
        except DomainError as error:
            return self.get(request, form=form, error=error, status=error.status)
        messages.success(request, f"{form.cleaned_data['release']} is booked into the slot.")
        return self.org_redirect("releases:slots")


class SlotCancelView(ReleasePage):
    write_permission = Perm.BOOK_ENVIRONMENTS

    def post(self, request, slot_booking_id: int):
        booking = get_object_or_404(SlotBooking, pk=slot_booking_id)
        services.slot_booking_cancel(actor=self.actor, booking=booking)
        messages.success(request, "The slot booking was cancelled.")
        return self.org_redirect("releases:slots")


class SettingsView(ReleasePage):
    write_permission = Perm.MANAGE_ORGANIZATION

    def post(self, request):
        form = SettingsForm(request.POST)
        form.is_valid()
        services.release_settings_update(actor=self.actor,
                                         require_release_slots=form.cleaned_data.get("require_release_slots", False))
        messages.success(request, "The release settings were saved.")
        return self.org_redirect("releases:slots")
