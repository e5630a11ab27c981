"""Self-service booking: book, check as you type, my bookings, the approval queue."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from environments import selectors, services
from environments.errors import BookingConflict
from environments.feeds import feed_path
from environments.forms import (
    BookingActionForm,
    BookingCheckForm,
    BookingForm,
    DecisionForm,
)
from environments.models import (
    Booking,
    DeploymentApprovalRequest,
)
from environments.periods import check_period, expand
from environments.release_choices import release_choices
from environments.views.base import EnvPage, page_of
from vsm.errors import DomainError, InvalidInput
from vsm.live import live_unchanged
from vsm.tenancy.roles import Perm

# --- booking --------------------------------------------------------------------------------

def _carried(data, *dropped: str) -> str:
    """The booking form's values as a query string, without `dropped`: the links a conflict offers
    ("Use this slot", "Free instead") keep everything already typed."""
    return urlencode({name: data[name] for name in BookingForm.base_fields
                      if name not in dropped and data.get(name)})


def _conflict_links(data) -> dict[str, str]:
    return {"carry_slot": _carried(data, "start", "end"), "carry_alternative": _carried(data, "environment", "group")}


class BookView(EnvPage):
    write_permission = Perm.BOOK_ENVIRONMENTS

    def booking_form(self, data=None) -> BookingForm:
        teams = selectors.bookable_teams(actor=self.actor)
        initial = {name: self.request.GET[name] for name in BookingForm.base_fields if self.request.GET.get(name)}
        if "team" not in initial and data is None:
            only = list(teams[:2])
            initial["team"] = only[0] if len(only) == 1 else None
        return BookingForm(data, initial=initial, teams=teams, releases=release_choices())

    def get(self, request, form=None, conflict=None, status=200):
        context = {"form": form or self.booking_form(), "conflict": conflict}
        if conflict is not None:
            context.update(_conflict_links(request.POST))
        return render(request, "environments/book.html", context, status=status)

    def post(self, request):
        form = self.booking_form(request.POST)
        if not form.is_valid() or form.previewing:
            return self.get(request, form=form, status=200 if form.is_valid() else 400)
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
        context = {"conflict": None, "ready": False, "problem": None, **_conflict_links(request.GET)}
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
    current = list(current[:50])
    for booking in current:  # the one-click "+1 h"
        booking.end_plus_hour = booking.end + timedelta(hours=1)
    return {
        "current": current, "page_obj": page_of(request, past), "now": timezone.now(),
        "team_feeds": [(team, request.build_absolute_uri(feed_path(org_slug=request.organization.slug, team=team)))
                       for team in selectors.teams_of(user=request.user)],
    }


class MyBookingsView(EnvPage):
    def get(self, request):
        return render(request, "environments/my_bookings.html", _my_bookings_context(request))


class BookingActionView(EnvPage):
    """Cancel, release early, extend or shorten one of my bookings; a refusal re-renders my
    bookings with the reason on the booking's own row."""

    write_permission = Perm.BOOK_ENVIRONMENTS

    def change_end(self, booking: Booking, action: str, end) -> str:
        if action == "change":
            if end == booking.end:
                raise InvalidInput.field("end", "That is the current end; choose a later or an earlier one.")
            action = "extend" if end > booking.end else "shorten"
        change = services.booking_extend if action == "extend" else services.booking_shorten
        change(actor=self.actor, booking=booking, end=end)
        return "extended" if action == "extend" else "shortened"

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
                done = self.change_end(booking, action, form.cleaned_data["end"])
                messages.success(request, f"Your booking of {booking.environment.name} was {done}.")
        except DomainError as error:
            context = _my_bookings_context(request)
            on_row = any(b.pk == booking.pk for b in context["current"])
            context.update(error=error, error_booking=booking.pk if on_row else None)
            return render(request, "environments/my_bookings.html", context, status=error.status)
        return self.org_redirect("environments:my_bookings")


# --- approvals ------------------------------------------------------------------------------

def _approval_queue(request, actor, error: DomainError | None = None, status: int = 200):
    bookings, deployments = selectors.approval_queue(actor=actor)
    bookings = list(bookings[:100])
    clashes = selectors.request_clashes(waiting=bookings)
    return render(request, "environments/approvals.html", {
        "bookings": [(b, clashes.get(b.pk)) for b in bookings], "deployments": deployments[:100], "error": error,
    }, status=status)


class ApprovalQueueView(EnvPage):
    def get(self, request):
        return live_unchanged(request) or _approval_queue(request, self.actor)


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
