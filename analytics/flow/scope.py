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

The three are computed by PostgreSQL when an item or its history is written and stored per item
(analytics.WorkItemFlow, analytics.flow.store), not recomputed for every item on every read.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Aggregate, F, FloatField, Func, Q, QuerySet

from integrations.models import WorkItem
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
    """Every work item in the query's scope, annotated with first_in_progress, start_at,
    load_start_at and done_at as stored for it (analytics.WorkItemFlow, kept by analytics.flow.store
    with the rules above), so a window's items are found by index."""
    return (
        WorkItem.objects.filter(scope_filter(query))
        .annotate(first_in_progress=F("flow__first_in_progress"), start_at=F("flow__start_at"),
                  load_start_at=F("flow__load_start_at"), done_at=F("flow__done_at"))
        .order_by()
    )


def done_between(start: datetime, end: datetime) -> Q:
    """Reached done in [start, end), with a start at or before done (an item whose recorded
    start follows its resolution has no flow time to report)."""
    return Q(done_at__gte=start, done_at__lt=end, start_at__lte=F("done_at"))


def done_in(query, start: datetime, end: datetime) -> QuerySet[WorkItem]:
    """Items of the scope that reached done in [start, end) (done_between)."""
    return work_items(query).filter(done_between(start, end))
