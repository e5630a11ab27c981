"""Self-service pages: find, book, hold and give back environments; approve; mark outages;
request new environments. Times are shown and typed in the viewer's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from environments import selectors, services
from environments.errors import BookingConflict
from environments.feeds import feed_path
from environments.forms import (
    BookingActionForm,
    BookingCheckForm,
    BookingForm,
    CalendarForm,
    DecisionForm,
    EnvironmentFilterForm,
    OutageForm,
    ProvisioningAdvanceForm,
    ProvisioningForm,
)
from environments.models import Booking, DeploymentApprovalRequest, Environment, Outage, ProvisioningRequest
from environments.periods import check_period, expand
from vsm.errors import DomainError
from vsm.tenancy.pages import OrgView, paginate
from vsm.tenancy.roles import Perm

PAGE_SIZE = 25


class EnvPage(OrgView):
    """OrgView already renders, and reads form times, in the viewer's zone."""

    def environment(self, slug: str) -> Environment:
        env = selectors.environment_get(slug=slug)
        if env is None:
            raise Http404("No such environment.")
        return env


def _page(request, rows, size: int = PAGE_SIZE):
    return paginate(request, rows, size)["page_obj"]


class EnvironmentListView(EnvPage):
    def get(self, request):
        form = EnvironmentFilterForm(request.GET or None)
        page = _page(request, selectors.environment_list(**form.filters()))
        availability = selectors.environment_availability(environments=list(page.object_list))
        return render(request, "environments/list.html", {
            "form": form, "page_obj": page, "rows": [(env, availability[env.pk]) for env in page],
        }, status=400 if form.is_bound and not form.is_valid() else 200)


class EnvironmentDetailView(EnvPage):
    def get(self, request, env_slug: str):
        env = self.environment(env_slug)
        upcoming, history = selectors.environment_bookings(environment=env)
        return render(request, "environments/detail.html", {
            "env": env, "upcoming": upcoming, "history": history,
            "availability": selectors.environment_availability(environments=[env])[env.pk],
            "outages": selectors.outage_list(environment=env.slug, start=timezone.now())[:20],
            "leases": selectors.lease_list(environment=env, active_only=True)[:20],
            "can_manage": selectors.is_environment_manager(actor=self.actor, environment=env),
            "feed_url": request.build_absolute_uri(feed_path(org_slug=self.org.slug, environment=env)),
        })


# --- calendar -------------------------------------------------------------------------------

def _window(view: str, day: date, zone) -> tuple[datetime, datetime, list[tuple[str, bool]]]:
    """The shown period, in the viewer's zone, and the labels of its columns (label, is_today)."""
    today = timezone.localdate()
    if view == "day":
        first, last = day, day + timedelta(days=1)
        start = datetime.combine(first, time.min, tzinfo=zone)
        return start, datetime.combine(last, time.min, tzinfo=zone), [(f"{h:02d}", False) for h in range(24)]
    if view == "month":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
    else:
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
    days = [first + timedelta(days=n) for n in range((last - first).days)]
    labels = [(d.strftime("%a %d") if view == "week" else d.strftime("%d"), d == today) for d in days]
    return datetime.combine(first, time.min, tzinfo=zone), datetime.combine(last, time.min, tzinfo=zone), labels


def _placed(items, start: datetime, end: datetime) -> list[dict]:
    """Each item's position on the track, in percent of the window (clipped to it)."""
    span = (end - start).total_seconds()
    placed = []
    for item in items:
        lower, upper = max(item.start, start), min(item.end, end)
        placed.append({"item": item, "left": round((lower - start).total_seconds() / span * 100, 3),
                       "width": max(round((upper - lower).total_seconds() / span * 100, 3), 0.4)})
    return placed


class CalendarView(EnvPage):
    STEP = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=31)}

    def get(self, request):
        form = CalendarForm(request.GET or None)
        valid = form.is_valid() if form.is_bound else True
        data = form.cleaned_data if form.is_bound and valid else {}
        view = data.get("view") or "week"
        day = data.get("date") or timezone.localdate()
        zone = timezone.get_current_timezone()
        start, end, columns = _window(view, day, zone)
        page = _page(request, selectors.environment_list(**form.filters()) if valid else Environment.objects.none(),
                         size=20)
        envs = list(page.object_list)
        bookings, outages = selectors.calendar_entries(environments=envs, start=start, end=end)
        rows = [{"env": env, "bookings": _placed(bookings[env.pk], start, end),
                 "outages": _placed(outages[env.pk], start, end)} for env in envs]
        step = self.STEP[view]
        previous_day = (start - timedelta(days=1)).date() if view == "month" else day - step
        return render(request, "environments/calendar.html", {
            "form": form, "view": view, "day": day, "start": start, "last": end - timedelta(seconds=1),
            "columns": columns, "rows": rows,
            "page_obj": page,
            "previous_day": previous_day, "next_day": end.date() if view == "month" else day + step,
            "views": CalendarForm.VIEWS,
        }, status=200 if valid else 400)


# --- booking --------------------------------------------------------------------------------

class BookView(EnvPage):
    write_permission = Perm.BOOK_ENVIRONMENTS

    def get(self, request, form=None, conflict=None, status=200):
        if form is None:
            form = BookingForm(initial={k: request.GET[k] for k in ("environment", "group", "start", "end")
                                        if request.GET.get(k)})
        return render(request, "environments/book.html", {"form": form, "conflict": conflict}, status=status)

    def post(self, request):
        form = BookingForm(request.POST)
        if not form.is_valid():
            return self.get(request, form=form, status=400)
        data = form.cleaned_data
        try:
            bookings = services.booking_request(
                actor=self.actor, environment=data["environment"], group=data["group"], start=data["start"],
                end=data["end"], purpose=data["purpose"], kind=data["kind"], team=data["team"],
                release_ref=data["release_ref"], rrule=data["rrule"] or None,
                time_zone=timezone.get_current_timezone().key)
        except BookingConflict as conflict:
            return self.get(request, form=form, conflict=conflict, status=409)
        except DomainError as error:
            self.domain_error_to_form(form, error)
            return self.get(request, form=form, status=error.status)
        first = bookings[0]
        what = f"{len(bookings)} bookings" if len(bookings) > 1 else f"{first.environment.name}"
        if first.status == Booking.Status.REQUESTED:
            messages.success(request, f"Requested {what}; it waits for the environment managers' approval.")
        else:
            messages.success(request, f"Booked {what}.")
        return self.org_redirect("environments:my_bookings")


class BookCheckView(EnvPage):
    """The htmx check as the booking form is filled in: conflicts and the suggested slot, before
    anything is submitted. Always 200, so htmx swaps the answer in."""

    def get(self, request):
        form = BookingCheckForm(request.GET)
        context = {"conflict": None, "ready": False, "problem": None}
        if form.is_valid():
            data = form.cleaned_data
            targets = [data["environment"]] if data["environment"] else list(data["group"].environments.all())
            try:
                if not targets:
                    raise DomainError("The group has no environments.")
                for env in targets:
                    check_period(data["start"], data["end"], max_hours=env.max_booking_hours, label=env.name)
                periods = expand(data["start"], data["end"], data["rrule"] or None, timezone.get_current_timezone())
            except DomainError as error:
                context["problem"] = error.message
            else:
                context.update(ready=True, targets=targets, periods=periods[:5], count=len(periods),
                               conflict=selectors.booking_conflict(environments=targets, periods=periods))
        elif request.GET.get("start") and request.GET.get("end"):
            context["problem"] = next(iter(form.errors.values()))[0]
        return render(request, "environments/_check.html", context)


def _my_bookings_context(request) -> dict:
    current, past = selectors.my_bookings(user=request.user)
    return {
        "current": current[:50], "page_obj": _page(request, past), "now": timezone.now(),
        "team_feeds": [(team, request.build_absolute_uri(feed_path(org_slug=request.organization.slug, team=team)))
                       for team in selectors.teams_of(user=request.user)],
    }


class MyBookingsView(EnvPage):
    def get(self, request):
        return render(request, "environments/my_bookings.html", _my_bookings_context(request))


class BookingActionView(EnvPage):
    """Cancel, release early or extend one of my bookings; refusals re-render my bookings."""

    write_permission = Perm.BOOK_ENVIRONMENTS

    def post(self, request, booking_id: int):
        booking = get_object_or_404(Booking.objects.select_related("environment"), pk=booking_id)
        form = BookingActionForm(request.POST)
        try:
            if not form.is_valid():
                raise DomainError(" ".join(m for errors in form.errors.values() for m in errors))
            action = form.cleaned_data["action"]
            if action == "cancel":
                services.booking_cancel(actor=self.actor, booking=booking)
                messages.success(request, f"Your booking of {booking.environment.name} was cancelled.")
            elif action == "release":
                services.booking_release(actor=self.actor, booking=booking)
                messages.success(request, f"{booking.environment.name} is free again.")
            else:
                services.booking_extend(actor=self.actor, booking=booking, end=form.cleaned_data["end"])
                messages.success(request, f"Your booking of {booking.environment.name} was extended.")
        except DomainError as error:
            context = {**_my_bookings_context(request), "error": error, "error_booking": booking.pk}
            return render(request, "environments/my_bookings.html", context, status=error.status)
        return self.org_redirect("environments:my_bookings")


# --- approvals ------------------------------------------------------------------------------

def _approval_queue(request, actor, error: DomainError | None = None, status: int = 200):
    bookings, deployments = selectors.approval_queue(actor=actor)
    return render(request, "environments/approvals.html", {
        "bookings": bookings[:100], "deployments": deployments[:100], "error": error,
    }, status=status)


class ApprovalQueueView(EnvPage):
    def get(self, request):
        return _approval_queue(request, self.actor)


class _DecisionView(EnvPage):
    """Approve or reject one waiting item; a refusal re-renders the queue with the reason."""

    model: type = Booking
    noun = "booking"

    def decide(self, item, approve: bool, note: str):
        raise NotImplementedError

    def post(self, request, item_id: int):
        item = get_object_or_404(self.model.objects.select_related("environment"), pk=item_id)
        form = DecisionForm(request.POST)
        if not form.is_valid():
            return _approval_queue(request, self.actor, error=DomainError("Choose approve or reject."), status=400)
        approve = form.cleaned_data["decision"] == "approve"
        try:
            self.decide(item, approve, form.cleaned_data["note"])
        except DomainError as error:
            return _approval_queue(request, self.actor, error=error, status=error.status)
        messages.success(request, f"The {self.noun} for {item.environment.name} was "
                                  f"{'approved' if approve else 'rejected'}.")
        return self.org_redirect("environments:approvals")


class BookingDecisionView(_DecisionView):
    def post(self, request, booking_id: int):
        return super().post(request, booking_id)

    def decide(self, item, approve, note):
        decide = services.booking_approve if approve else services.booking_reject
        decide(actor=self.actor, booking=item, note=note)


class DeploymentDecisionView(_DecisionView):
    model = DeploymentApprovalRequest
    noun = "deployment"

    def post(self, request, approval_id: int):
        return super().post(request, approval_id)

    def decide(self, item, approve, note):
        services.deployment_approval_decide(actor=self.actor, approval=item, approve=approve, note=note)


# --- outages --------------------------------------------------------------------------------

def _outages(request, actor, env: Environment, form=None, status: int = 200):
    return render(request, "environments/outages.html", {
        "env": env, "form": form or OutageForm(), "page_obj": _page(
            request, selectors.outage_list(environment=env.slug).order_by("-period")),
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
        "page_obj": _page(request, selectors.provisioning_request_list()),
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
