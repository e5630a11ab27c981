"""Waits the platform itself sees (METRICS.md, flow metrics): no tracker measures these.

- **Booking decisions**: a booking that waited for an approver, from its request
  (``Booking.created_at``) to the approval or rejection (``decided_at``); counted in the window
  of the decision. Bookings approved at once have no decision time and are not waits.
  ``pending``: requests made before the window's end still awaiting a decision.
- **Sign-offs**: a manual gate criterion, from the moment it was put on its gate (its first
  evaluation, written when the criterion is created) to its first ``met`` evaluation (the
  sign-off that completed it); counted in the window of that sign-off. ``pending``: manual
  criteria created before the window's end and never met.
- **Deployment holds**: from the first "may I deploy?" check of a service version into an
  environment denied for a cause (``freeze_active`` for a freeze window; ``no_booking`` or
  ``booked_by_other_team`` for a missing booking) to the first later check of the same service,
  environment and version that was allowed (``allow`` or ``warn``: both let CI go ahead). Each
  denial episode is one hold; a hold counts in the window of its release, and holds never
  released are ``open``. A check denied for both causes starts a hold of each.

Scope: value streams through the booked environment, the gate's release (phases) and the
checked service; services and teams through the booking's team (a service's team), the
release's services and the checked service.
"""

from __future__ import annotations

import statistics
from datetime import datetime

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet, Subquery, Sum

from analytics.flow.scope import Median, hours_between
from environments.models import Booking
from gates.models import Criterion, Evaluation
from releases.models import Decision, DeploymentCheck, Phase

HOLD_CAUSES: dict[str, tuple[str, ...]] = {
    "freeze": ("freeze_active",),
    "booking": ("no_booking", "booked_by_other_team"),
}


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def summary(hours: list[float]) -> dict:
    return {"count": len(hours), "median_hours": round(statistics.median(hours), 2) if hours else None,
            "total_hours": round(sum(hours), 2)}


# --- booking decisions ----------------------------------------------------------------------

def _bookings(query) -> QuerySet[Booking]:
    bookings = Booking.objects.all()
    if query.value_streams:
        bookings = bookings.filter(environment__value_stream_id__in=query.value_streams)
    if query.services:
        bookings = bookings.filter(team__services__id__in=query.services)
    if query.teams:
        bookings = bookings.filter(team_id__in=query.teams)
    # A team with several services in the scope must not count its bookings twice.
    return bookings.distinct().order_by()


def booking_decisions(query, start: datetime, end: datetime) -> QuerySet[Booking]:
    return (_bookings(query).filter(decided_at__gte=start, decided_at__lt=end)
            .select_related("environment", "team").order_by("decided_at", "id"))


# --- sign-offs ------------------------------------------------------------------------------

def _first_evaluation(**conditions) -> Subquery:
    rows = Evaluation.objects.filter(criterion=OuterRef("pk"), **conditions).order_by("evaluated_at", "id")
    return Subquery(rows.values("evaluated_at")[:1])


def _criteria(query) -> QuerySet[Criterion]:
    criteria = Criterion.objects.filter(type=Criterion.Type.MANUAL)
    phases = Phase.objects.filter(Q(entry_gate=OuterRef("gate")) | Q(exit_gate=OuterRef("gate")))
    if query.value_streams:
        phases = phases.filter(release__value_stream_id__in=query.value_streams)
    if query.services:
        phases = phases.filter(release__service_links__service_id__in=query.services)
    if query.teams:
        phases = phases.filter(release__service_links__service__team_id__in=query.teams)
    if query.value_streams or query.services or query.teams:
        criteria = criteria.filter(Exists(phases))
    return criteria.annotate(asked_at=_first_evaluation(),
                             met_at=_first_evaluation(outcome=Evaluation.Outcome.MET)).order_by()


def sign_offs(query, start: datetime, end: datetime) -> QuerySet[Criterion]:
    return (_criteria(query).filter(met_at__gte=start, met_at__lt=end, asked_at__isnull=False)
            .select_related("gate").order_by("met_at", "id"))


# --- deployment holds -----------------------------------------------------------------------

def _checks(query) -> QuerySet[DeploymentCheck]:
    return DeploymentCheck.objects.filter(query.service_filter("service__")).order_by()


def _holds(query, cause: str) -> QuerySet:
    """One row per hold of `cause`: service, environment, version, when the first denial came
    (held_from), when the first later allowed check came (released_at, None while open), and
    how many denied checks it took. One query."""
    denied = Q()
    for code in HOLD_CAUSES[cause]:
        denied |= Q(reasons__contains=[{"code": code}])
    released = DeploymentCheck.objects.filter(
        service_slug=OuterRef("service_slug"), environment_slug=OuterRef("environment_slug"),
        version=OuterRef("version"), decision__in=(Decision.ALLOW, Decision.WARN),
        checked_at__gt=OuterRef("checked_at")).order_by("checked_at", "id").values("checked_at")[:1]
    return (_checks(query).filter(denied, decision=Decision.DENY)
            .annotate(released_at=Subquery(released))
            .values("service_slug", "environment_slug", "version", "released_at")
            .annotate(held_from=Min("checked_at"), denied_checks=Count("pk"))
            .order_by("released_at", "held_from"))


def deployment_holds(query, start: datetime, end: datetime, *, cause: str) -> list[dict]:
    """Holds of `cause` released in [start, end), each with its hours."""
    rows = _holds(query, cause).filter(released_at__gte=start, released_at__lt=end)
    return [{**row, "cause": cause, "hours": _hours(row["held_from"], row["released_at"])} for row in rows]


# --- the summary flow_report shows ----------------------------------------------------------

def _summary(queryset: QuerySet, *, since: str, until: str, start: datetime, end: datetime, pending: Q) -> dict:
    """Count, median and total hours from `since` to `until` of the rows whose `until` falls in
    [start, end), and how many rows match `pending`: one aggregate query."""
    counted = Q(**{f"{until}__gte": start, f"{until}__lt": end, f"{since}__isnull": False})
    hours = hours_between(since, until)
    totals = queryset.aggregate(count=Count("pk", filter=counted), median=Median(hours, filter=counted),
                                total=Sum(hours, filter=counted), pending=Count("pk", filter=pending))
    return {"count": totals["count"], "median_hours": None if totals["median"] is None else round(totals["median"], 2),
            "total_hours": round(totals["total"] or 0, 2), "pending": totals["pending"]}


def platform_waits(*, query, start: datetime, end: datetime) -> dict:
    holds = {}
    for cause in HOLD_CAUSES:
        # Filtering on the first denial too would put it in HAVING and break the grouping.
        rows = list(_holds(query, cause).filter(Q(released_at__isnull=True)
                                                | Q(released_at__gte=start, released_at__lt=end)))
        released = [_hours(row["held_from"], row["released_at"]) for row in rows if row["released_at"]]
        still_open = sum(1 for row in rows if row["released_at"] is None and row["held_from"] < end)
        holds[cause] = {**summary(released), "open": still_open}
    return {
        "booking_decisions": _summary(
            _bookings(query), since="created_at", until="decided_at", start=start, end=end,
            pending=Q(status=Booking.Status.REQUESTED, created_at__lt=end)),
        "sign_offs": _summary(
            _criteria(query), since="asked_at", until="met_at", start=start, end=end,
            pending=Q(met_at__isnull=True, asked_at__lt=end)),
        "deployment_holds": holds,
    }
