"""Flow metrics (METRICS.md, "Flow metrics"): one computation for the API and the pages.

Every number is aggregated by PostgreSQL over the work items of the query's scope
(analytics.flow.scope); analytics.flow.records lists the items behind each of them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import accumulate

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from analytics.flow import waits
from analytics.flow.scope import FLOW_TYPES, done_between, done_in, hours_between, work_items
from analytics.flow.statuses import time_in_status


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


def _done_and_load(query, start: datetime, end: datetime, now: datetime | None) -> tuple[dict, dict, dict, dict]:
    """Velocity, flow time and distribution (count, median flow time and flow type counts of the
    window's done items, and their count per week) and flow load, from one pass over the
    scope's items that are done in the window or in progress during it: one query.

    The whole window and each week are two grouping sets of the done items. Flow load (items in
    progress, started and not done, at the end of each day of the window, and their average) is
    linear in the items: each item's run of counted day ends is found by binary search among
    them (it counts at a day end after its start and not after its done time), and the runs
    are added up as +1/-1 steps."""
    done = done_between(start, end)
    loading = Q(Q(done_at__isnull=True) | Q(done_at__gte=start), load_start_at__isnull=False, load_start_at__lt=end)
    items = (work_items(query).filter(done | loading)
             .annotate(done=ExpressionWrapper(done, output_field=BooleanField()),
                       loading=ExpressionWrapper(loading, output_field=BooleanField()),
                       week=TruncWeek("done_at", tzinfo=query.tz), hours=hours_between("start_at", "done_at")))
    items_sql, items_params = items.values("done", "loading", "week", "hours", "flow_type", "load_start_at",
                                           "done_at").query.sql_with_params()
    moments = load_moments(query, now)
    ends = [moment for _day, moment in moments]
    types = ", ".join("COUNT(*) FILTER (WHERE flow_type = %s)" for _value in FLOW_TYPES)
    nulls = ", ".join("NULL" for _value in FLOW_TYPES)
    # width_bucket(x, ends) is how many day ends are at or before x. The load rows have no week.
    sql = f"""
        WITH items AS ({items_sql}),
        runs AS (
            SELECT width_bucket(load_start_at, %s::timestamptz[]) AS first,
                   COALESCE(width_bucket(done_at, %s::timestamptz[]), %s) AS after
            FROM items WHERE loading AND %s
        )
        SELECT GROUPING(week) = 1, week, NULL, COUNT(*), PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY hours), {types}
          FROM items WHERE done GROUP BY GROUPING SETS ((), (week))
        UNION ALL
        SELECT false, NULL, step, SUM(change), NULL, {nulls} FROM (
            SELECT first AS step, 1 AS change FROM runs WHERE after > first
            UNION ALL SELECT after, -1 FROM runs WHERE after > first
        ) steps GROUP BY step
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, (*items_params, ends, ends, len(ends), bool(ends), *FLOW_TYPES))
        rows = cursor.fetchall()
    weekly = {week.date(): count for whole, week, step, count, *_rest in rows if week is not None}
    steps = {step: count for whole, week, step, count, *_rest in rows if step is not None}
    _whole, _week, _step, done_count, median, *per_type = next(row for row in rows if row[0])
    velocity = {"items": done_count, "per_week": [{"week_start": week, "items": weekly.get(week, 0)}
                                                  for week in week_starts(query.window_from, query.window_to)]}
    flow_time = {"median_hours": _round(median), "items": done_count}
    distribution = {"items": done_count, "flow_types": [
        {"flow_type": value, "items": count, "share": _round(count / done_count, 4) if done_count else None}
        for value, count in zip(FLOW_TYPES, per_type, strict=True)]}
    if not moments:
        return velocity, flow_time, distribution, {"average": None, "days": 0, "per_day": []}
    counts = list(accumulate(int(steps.get(position, 0)) for position in range(len(ends))))
    per_day = [{"date": day, "items": count} for (day, _moment), count in zip(moments, counts, strict=True)]
    load = {"average": _round(sum(counts) / len(counts)), "days": len(counts), "per_day": per_day}
    return velocity, flow_time, distribution, load


def time_in_status_report(query, start: datetime, end: datetime) -> tuple[dict, dict]:
    """Flow efficiency (active time / flow time, both summed over the items done in the window
    that have a stored status history: analytics.flow.statuses says why the others are left out)
    and where work waits (per status, total and median hours the items done in the window spent
    in it; the bottleneck is the waiting status with the largest total): one query."""
    statuses, totals = time_in_status(done_in(query, start, end))
    rate = totals["active_hours"] / totals["flow_hours"] if totals["flow_hours"] > 0 else None
    efficiency = {"rate": _round(rate, 4), "active_hours": _round(totals["active_hours"]),
                  "flow_hours": _round(totals["flow_hours"]), "items": totals["items"]}
    statuses = [{**row, "total_hours": _round(row["total_hours"]), "median_hours": _round(row["median_hours"])}
                for row in statuses]
    bottleneck = next((row for row in statuses if row["waiting"]), None)
    return efficiency, {"statuses": statuses, "bottleneck": bottleneck}


def flow_report(*, query, now: datetime | None = None) -> dict:
    """Every flow metric for the query's window and scope."""
    start, end = query.start, query.end
    velocity, flow_time, distribution, load = _done_and_load(query, start, end, now)
    efficiency, where_work_waits = time_in_status_report(query, start, end)
    return {
        "window": {"from": query.window_from, "to": query.window_to, "time_zone": str(query.tz),
                   "start": start, "end": end},
        "scope": {"value_stream": list(query.value_streams), "service": list(query.services),
                  "team": list(query.teams), "flow_type": list(query.flow_types)},
        "velocity": velocity,
        "flow_time": flow_time,
        "load": load,
        "efficiency": efficiency,
        "distribution": distribution,
        "waits": where_work_waits,
        "platform_waits": waits.platform_waits(query=query, start=start, end=end),
    }
