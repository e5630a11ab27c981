"""Flow metrics (METRICS.md, "Flow metrics"): one computation for the API and the pages.

Every number is aggregated by PostgreSQL over the work items of the query's scope
(analytics.flow.scope); analytics.flow.records lists the items behind each of them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import accumulate

from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from analytics.flow import waits
from analytics.flow.scope import FLOW_TYPES, Median, done_in, hours_between, work_items
from analytics.flow.statuses import active_totals, status_totals


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def week_starts(window_from: date, window_to: date) -> list[date]:
    """The Mondays of the ISO weeks that overlap the window."""
    first = window_from - timedelta(days=window_from.weekday())
    return [first + timedelta(weeks=n) for n in range((window_to - first).days // 7 + 1)]


def load_moments(query, now: datetime | None = None) -> list[tuple[date, datetime]]:
    """The end of each day of the window (00:00 of the next day, organization zone) that has
    begun; today's end is not reached yet, so today is read as of now."""
    now = now or timezone.now()
    moments = []
    for offset in range(query.days):
        day = query.window_from + timedelta(days=offset)
        day_start = datetime.combine(day, time.min, tzinfo=query.tz)
        if day_start >= now:
            break
        moments.append((day, min(day_start + timedelta(days=1), now)))
    return moments


def _velocity_and_distribution(query, start: datetime, end: datetime) -> tuple[dict, dict, dict]:
    done = done_in(query, start, end)
    totals = done.aggregate(
        items=Count("pk"), median=Median(hours_between("start_at", "done_at")),
        **{f"type_{value}": Count("pk", filter=Q(flow_type=value)) for value in FLOW_TYPES})
    weekly = dict(done.annotate(week=TruncWeek("done_at", tzinfo=query.tz)).values("week")
                  .annotate(items=Count("pk")).values_list("week", "items"))
    weekly = {week.date(): count for week, count in weekly.items()}
    items = totals["items"]
    velocity = {"items": items, "per_week": [{"week_start": week, "items": weekly.get(week, 0)}
                                             for week in week_starts(query.window_from, query.window_to)]}
    flow_time = {"median_hours": _round(totals["median"]), "items": items}
    distribution = {"items": items, "flow_types": [
        {"flow_type": value, "items": totals[f"type_{value}"],
         "share": _round(totals[f"type_{value}"] / items, 4) if items else None} for value in FLOW_TYPES]}
    return velocity, flow_time, distribution


def flow_load(query, start: datetime, end: datetime, now: datetime | None = None) -> dict:
    """Items in progress (started, not done) at the end of each day of the window, and their
    average over the days. One query, linear in the items: each item's run of counted day ends
    is found by binary search among them (an item counts at a day end after its start and not
    after its done time), and the runs are added up as +1/-1 steps."""
    moments = load_moments(query, now)
    if not moments:
        return {"average": None, "days": 0, "per_day": []}
    candidates = work_items(query).filter(Q(done_at__isnull=True) | Q(done_at__gte=start),
                                          load_start_at__isnull=False, load_start_at__lt=end)
    items_sql, items_params = candidates.values("load_start_at", "done_at").query.sql_with_params()
    # width_bucket(x, ends) is how many day ends are at or before x.
    sql = f"""
        WITH runs AS (
            SELECT width_bucket(items.load_start_at, %s::timestamptz[]) AS first,
                   COALESCE(width_bucket(items.done_at, %s::timestamptz[]), %s) AS after
            FROM ({items_sql}) items
        )
        SELECT step, SUM(change) FROM (
            SELECT first AS step, 1 AS change FROM runs WHERE after > first
            UNION ALL SELECT after, -1 FROM runs WHERE after > first
        ) steps GROUP BY step
    """
    ends = [moment for _day, moment in moments]
    with connection.cursor() as cursor:
        cursor.execute(sql, (ends, ends, len(ends), *items_params))
        steps = dict(cursor.fetchall())
    counts = list(accumulate(int(steps.get(position, 0)) for position in range(len(ends))))
    per_day = [{"date": day, "items": count} for (day, _moment), count in zip(moments, counts, strict=True)]
    return {"average": _round(sum(counts) / len(counts)), "days": len(counts), "per_day": per_day}


def flow_efficiency(query, start: datetime, end: datetime) -> dict:
    """Active time / flow time, both summed over the items done in the window that have a
    stored status history (analytics.flow.statuses says why the others are left out)."""
    totals = active_totals(done_in(query, start, end))
    rate = totals["active_hours"] / totals["flow_hours"] if totals["flow_hours"] > 0 else None
    return {"rate": _round(rate, 4), "active_hours": _round(totals["active_hours"]),
            "flow_hours": _round(totals["flow_hours"]), "items": totals["items"]}


def where_work_waits(query, start: datetime, end: datetime) -> dict:
    """Per status, total and median hours the items done in the window spent in it; the
    bottleneck is the waiting status with the largest total."""
    statuses = [{**row, "total_hours": _round(row["total_hours"]), "median_hours": _round(row["median_hours"])}
                for row in status_totals(done_in(query, start, end))]
    bottleneck = next((row for row in statuses if row["waiting"]), None)
    return {"statuses": statuses, "bottleneck": bottleneck}


def flow_report(*, query, now: datetime | None = None) -> dict:
    """Every flow metric for the query's window and scope."""
    start, end = query.start, query.end
    velocity, flow_time, distribution = _velocity_and_distribution(query, start, end)
    return {
        "window": {"from": query.window_from, "to": query.window_to, "time_zone": str(query.tz),
                   "start": start, "end": end},
        "scope": {"value_stream": list(query.value_streams), "service": list(query.services),
                  "team": list(query.teams), "flow_type": list(query.flow_types)},
        "velocity": velocity,
        "flow_time": flow_time,
        "load": flow_load(query, start, end, now),
        "efficiency": flow_efficiency(query, start, end),
        "distribution": distribution,
        "waits": where_work_waits(query, start, end),
        "platform_waits": waits.platform_waits(query=query, start=start, end=end),
    }
