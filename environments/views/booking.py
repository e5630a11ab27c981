"""Self-service booking: book, check as you type, my bookings, the approval queue."""

from __future__ import annotations

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
from environments.views.base import EnvPage, page_of
from vsm.errors import DomainError
from vsm.tenancy.roles import Perm

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
        "current": current[:50], "page_obj": page_of(request, past), "now": timezone.now(),
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
