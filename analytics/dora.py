"""The five DORA metrics of METRICS.md: one computation for the API and the pages.

``dora_report`` aggregates per-service-per-day facts in PostgreSQL: from the rollups when they
are complete for the organization's time zone, otherwise straight from the records with the same
SQL (analytics.dora_sql). ``dora_records`` lists what is behind each number (analytics.dora_records).
"""

from __future__ import annotations

from django.db import connection, transaction

from analytics.dora_records import METRICS, dora_records, dora_records_count
from analytics.dora_sql import WINDOW_SCOPE, daily_facts_sql, report_sql, window_params
from analytics.models import DoraDay
from analytics.query import MetricQuery, metric_query_parse
from analytics.rollups import dora_rollups_rebuild_task, rollups_ready
from vsm.tenancy.context import require_org_id
from vsm.tenancy.tasks import enqueue

__all__ = ["METRICS", "MetricQuery", "dora_records", "dora_records_count", "dora_report", "metric_query_parse"]

# Upper bounds of the levels (METRICS.md); each metric's level is the first band it falls in.
LEAD_TIME_LEVELS = ((24, "elite"), (168, "high"), (720, "medium"))
RECOVERY_LEVELS = ((1, "elite"), (24, "high"), (168, "medium"))
FAILURE_RATE_LEVELS = ((0.05, "elite"), (0.10, "high"), (0.15, "medium"))
# Sorting all lead times of a two-year, organization-wide window needs more than the default 4 MB.
REPORT_WORK_MEM = "128MB"


def _below(value: float | None, bands: tuple[tuple[float, str], ...], *, inclusive: bool = False) -> str | None:
    if value is None:
        return None
    for bound, level in bands:
        if value < bound or (inclusive and value == bound):
            return level
    return "low"


def deployment_frequency_level(*, deployments: int, weekly_median: float, monthly_median: float) -> str | None:
    if not deployments:
        return None
    if weekly_median >= 5:
        return "elite"
    if weekly_median >= 1:
        return "high"
    return "medium" if monthly_median >= 1 else "low"


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _blocks(row: dict) -> dict:
    deployments = int(row["deployments"])
    failure_rate = _ratio(int(row["failed"]), deployments)
    return {
        "deployment_frequency": {
            "deployments": deployments,
            "deployment_days": int(row["deployment_days"]),
            "per_day": deployments / row["days"],
            "median_deployment_days_per_week": row["weekly_median"],
            "median_deployment_days_per_month": row["monthly_median"],
            "level": deployment_frequency_level(deployments=deployments, weekly_median=row["weekly_median"],
                                                monthly_median=row["monthly_median"]),
        },
        "change_lead_time": {
            "median_hours": row["lead_median"], "p90_hours": row["lead_p90"], "changes": int(row["changes"]),
            "level": _below(row["lead_median"], LEAD_TIME_LEVELS),
        },
        "change_failure_rate": {
            "rate": failure_rate, "failed_deployments": int(row["failed"]), "deployments": deployments,
            "level": _below(failure_rate, FAILURE_RATE_LEVELS, inclusive=True),
        },
        "failed_deployment_recovery_time": {
            "median_hours": row["recovery_median"], "recovered": int(row["recovered"]),
            "open": int(row["open_failures"]), "level": _below(row["recovery_median"], RECOVERY_LEVELS),
        },
        "deployment_rework_rate": {
            "rate": _ratio(int(row["rework"]), deployments), "rework_deployments": int(row["rework"]),
            "deployments": deployments,
        },
    }


def _facts(query: MetricQuery, *, use_rollups: bool) -> str:
    """The daily facts of the window and scope: the rollup rows, or the same rows computed."""
    if use_rollups:
        return (f"SELECT * FROM {DoraDay._meta.db_table} WHERE organization_id = %(org)s"
                " AND day BETWEEN %(window_from)s AND %(window_to)s"
                " AND (%(all_services)s OR service_id = ANY(%(services)s))")
    return daily_facts_sql(WINDOW_SCOPE)


def _aggregate(facts: str, params: dict, *, period: str, prelude: str = "") -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(prelude + report_sql(facts=facts, period=period), params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def dora_report(*, query: MetricQuery, use_rollups: bool | None = None) -> dict:
    """The API response of GET metrics/dora/ (docs/analytics.md). `use_rollups` forces a path
    (tests compare both); by default rollups are used when complete for the time zone."""
    if use_rollups is None:
        use_rollups = rollups_ready(time_zone=query.tz.key)
        if not use_rollups:
            enqueue(dora_rollups_rebuild_task, org_id=require_org_id())
    facts, params = _facts(query, use_rollups=use_rollups), window_params(query)
    # SET LOCAL needs a transaction; a read needs no savepoint (two round trips) of its own.
    with transaction.atomic(savepoint=False):
        # JIT off: compiling these plans costs more than running them (their estimates for
        # generate_series and unnest look large to the planner: tens of milliseconds per call).
        # Sent with the first statement: one round trip fewer on every dashboard.
        prelude = f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'; SET LOCAL jit = off; "
        overall = _aggregate(facts, params, period="%(window_from)s::date", prelude=prelude)[0]
        series = []
        if query.interval:
            rows = _aggregate(facts, params, period=f"date_trunc('{query.interval}', g)")
            series = [{"period_start": row["period"].isoformat(), "days": row["days"], **_blocks(row)}
                      for row in rows]
    return {
        "window": {"from": query.window_from.isoformat(), "to": query.window_to.isoformat(), "days": query.days,
                   "time_zone": query.tz.key},
        **_blocks(overall),
        "series": series,
    }
