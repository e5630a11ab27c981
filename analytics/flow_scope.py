"""What every flow number starts from: the work items in scope, each with the three instants the
flow metrics read (METRICS.md, flow metrics).

- ``start_at``: the first entry into an in-progress status of the stored history; else the
  item's own ``started_at`` (set by the sync from the same history, kept when the history is
  truncated); else its creation. Flow time reads this one.
- ``load_start_at``: the same without the creation fallback (an item done straight from to-do
  was never in progress), except that an item whose current status is in progress and whose
  history says nothing counts from its creation. Flow load reads this one.
- ``done_at``: for items whose current status is done, the tracker's resolution time, else the
  last entry into a done status. Reopened items are not done.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Aggregate, Case, F, FloatField, Func, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce

from integrations.models import WorkItem, WorkItemTransition
from integrations.normalized import FlowType, StatusCategory

IN_PROGRESS = StatusCategory.IN_PROGRESS.value
DONE = StatusCategory.DONE.value
FLOW_TYPES = tuple(m.value for m in FlowType)


class Median(Aggregate):
    """The ordinary median (PostgreSQL's continuous percentile: the mean of the two middle values)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def hours_between(start: str, end: str) -> Func:
    return Func(F(end) - F(start), template="EXTRACT(EPOCH FROM %(expressions)s) / 3600.0", output_field=FloatField())


def _transition_at(category: str, *, last: bool = False) -> Subquery:
    rows = WorkItemTransition.objects.filter(work_item=OuterRef("pk"), to_category=category)
    return Subquery(rows.order_by("-at" if last else "at", "-id" if last else "id").values("at")[:1])


def scope_filter(query) -> Q:
    """The query's value streams (the item's own, else its service's), services, teams (the
    service's) and flow types, each an OR inside and an AND between them."""
    condition = Q()
    if query.value_streams:
        condition &= Q(value_stream_id__in=query.value_streams) | Q(
            value_stream__isnull=True, service__value_stream_id__in=query.value_streams)
    if query.services:
        condition &= Q(service_id__in=query.services)
    if query.teams:
        condition &= Q(service__team_id__in=query.teams)
    if getattr(query, "flow_types", None):
        condition &= Q(flow_type__in=query.flow_types)
    return condition


def work_items(query) -> QuerySet[WorkItem]:
    """Every work item in the query's scope, annotated with start_at, load_start_at and done_at."""
    return (
        WorkItem.objects.filter(scope_filter(query))
        .annotate(first_in_progress=_transition_at(IN_PROGRESS))
        .annotate(
            start_at=Coalesce(F("first_in_progress"), F("started_at"), F("created_at")),
            load_start_at=Coalesce(F("first_in_progress"), F("started_at"), Case(
                When(status_category=IN_PROGRESS, then=F("created_at")))),
            done_at=Case(When(status_category=DONE, then=Coalesce(F("resolved_at"), _transition_at(DONE, last=True)))),
        )
        .order_by()
    )


def done_in(query, start: datetime, end: datetime) -> QuerySet[WorkItem]:
    """Items of the scope that reached done in [start, end), with a start at or before done
    (an item whose recorded start follows its resolution has no flow time to report)."""
    return work_items(query).filter(done_at__gte=start, done_at__lt=end, start_at__lte=F("done_at"))
