"""The five DORA metrics of METRICS.md: one computation for the API and the pages, and the rows
a service's page shows behind them (its deployments on a timeline, the distribution of its change
lead times, its incidents).

``dora_report`` aggregates per-service-per-day facts in PostgreSQL: from the rollups when they
are complete for the organization's time zone, otherwise straight from the records with the same
SQL (analytics.dora.sql). ``dora_records`` lists what is behind each number (analytics.dora.records).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from analytics.dora.report_cache import cached_report
from analytics.dora.services import rollup_state
from analytics.dora.sql import GROUP_COLUMNS, WINDOW_SCOPE, daily_facts_sql, report_sql, window_params
from analytics.models import DoraDay
from analytics.query import MetricQuery
from integrations.models import Commit, Deployment, Incident
from integrations.normalized import DeploymentKind, DeploymentStatus
from vsm.catalog.models import Service, Team, ValueStream
from vsm.tenancy.context import require_org_id
from vsm.tenancy.tasks import enqueue

TIMELINE_LIMIT = 2000

# Lead time buckets, in hours. The edges include METRICS.md's level thresholds (24 h, 168 h,
# 720 h), so each bar falls wholly inside one level and takes that level's colour.
LEAD_TIME_BUCKETS: tuple[tuple[str, float, float | None, str], ...] = (
    ("< 1 h", 0, 1, "elite"),
    ("1–4 h", 1, 4, "elite"),
    ("4–24 h", 4, 24, "elite"),
    ("1–3 d", 24, 72, "high"),
    ("3–7 d", 72, 168, "high"),
    ("7–30 d", 168, 720, "medium"),
    ("≥ 30 d", 720, None, "low"),
)


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


def _aggregate(facts: str, params: dict, *, periods: tuple[str | None, ...], prelude: str = "",
               by: str | None = None) -> list[list[dict]]:
    """report_sql's rows, one list per set."""
    with connection.cursor() as cursor:
        cursor.execute(prelude + report_sql(facts=facts, periods=periods, by=by), params)
        names = [column.name for column in cursor.description]
        sets: list[list[dict]] = [[] for _ in periods]
        for values in cursor.fetchall():
            row = dict(zip(names, values, strict=True))
            sets[row["s"]].append(row)
        return sets


def _facts_and_params(queries: list[MetricQuery], use_rollups: bool | None) -> tuple[str, dict, int | None]:
    """The daily facts to aggregate for `queries` (one scope; report_sql's sets, in order): the
    rollups when complete for the time zone (`use_rollups` forces a path: tests compare both),
    else computed, with a rebuild of the rollups enqueued. The state says under which the answer
    may be kept (analytics.dora.report_cache); None when it may not: the path was forced, or it
    is not the rollups'."""
    state = None
    if use_rollups is None:
        state = rollup_state(time_zone=queries[0].tz.key)
        use_rollups = state is not None
        if not use_rollups:
            from analytics.dora import tasks  # here, not at the top: the tasks module imports the services
            enqueue(tasks.dora_rollups_rebuild_task, org_id=require_org_id())
    return _facts(queries[0], use_rollups=use_rollups), window_params(*queries), state


def _reuse(kind: str, queries: list[MetricQuery], params: dict, state: int | None, compute):
    """`compute()`, or its answer stored under the rollup `state` (None: not kept). `kind` names
    the report; the windows after the first are part of it."""
    if state is None:
        return compute()
    others = "".join(f":{q.window_from}/{q.window_to}/{q.interval}" for q in queries[1:])
    return cached_report(org_id=params["org"], state=state, kind=kind + others, query=queries[0],
                         services=None if params["all_services"] else params["services"], compute=compute)


# SET LOCAL needs a transaction; a read needs no savepoint (two round trips) of its own. JIT
# off: compiling these plans costs more than running them (their estimates for generate_series
# and unnest look large to the planner: tens of milliseconds per call). Sent with the first
# statement: one round trip fewer on every dashboard.
_PRELUDE = f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'; SET LOCAL jit = off; "


def _window(query: MetricQuery) -> dict:
    return {"from": query.window_from.isoformat(), "to": query.window_to.isoformat(), "days": query.days,
            "time_zone": query.tz.key}


def _report_sets(queries: list[MetricQuery]) -> list[tuple[MetricQuery, str | None]]:
    """report_sql's sets for dora_report of each query: its whole window, then its series."""
    return [pair for q in queries for pair in ((q, None), *(((q, q.interval),) if q.interval else ()))]


def dora_reports(*, queries: list[MetricQuery], use_rollups: bool | None = None) -> list[dict]:
    """dora_report of each query (one scope, any windows), in one statement: a dashboard's
    window with its series and the previous window read the facts once."""
    sets = _report_sets(queries)
    facts, params, state = _facts_and_params([q for q, _ in sets], use_rollups)
    # "reports": the stored answer is a list (a single report was stored as itself under "report").
    return _reuse("reports", queries, params, state, lambda: _reports(queries, sets, facts, params))


def dora_report(*, query: MetricQuery, use_rollups: bool | None = None) -> dict:
    """The API response of GET metrics/dora/ (docs/analytics.md)."""
    return dora_reports(queries=[query], use_rollups=use_rollups)[0]


def _reports(queries: list[MetricQuery], sets: list[tuple[MetricQuery, str | None]], facts: str,
             params: dict) -> list[dict]:
    with transaction.atomic(savepoint=False):
        rows = iter(_aggregate(facts, params, periods=tuple(interval for _, interval in sets), prelude=_PRELUDE))
    reports = []
    for query in queries:
        overall = next(rows)[0]
        series = [{"period_start": row["period"].isoformat(), "days": row["days"], **_blocks(row)}
                  for row in next(rows)] if query.interval else []
        reports.append({"window": _window(query), **_blocks(overall), "series": series})
    return reports


def _empty_row(days: int) -> dict:
    """What report_sql gives a group without a production deployment in the window."""
    return {"days": days, "deployments": 0, "deployment_days": 0, "weekly_median": 0.0, "monthly_median": 0.0,
            "lead_median": None, "lead_p90": None, "changes": 0, "failed": 0, "rework": 0, "open_failures": 0,
            "recovery_median": None, "recovered": 0}


def _group_rows(facts: str, params: dict, by: str, count: int) -> list[dict]:
    with transaction.atomic(savepoint=False):
        return [{row["grp"]: row for row in rows} for rows in _aggregate(
            facts, {**params, "whole": False}, periods=(None,) * count, prelude=_PRELUDE, by=by)]


BREAKDOWN_MODELS = {"service": Service, "team": Team, "value_stream": ValueStream}


def dora_breakdowns(*, queries: list[MetricQuery], by: str, use_rollups: bool | None = None) -> list[list[dict]]:
    """dora_breakdown of each query (one scope, any windows: the page's window and the previous
    one), in one statement."""
    facts, params, state = _facts_and_params(queries, use_rollups)
    sets = _reuse(f"breakdowns:{by}", queries, params, state,
                  lambda: _group_rows(facts, params, by, len(queries)))
    services = queries[0].service_ids()
    in_scope = Service.objects.all() if services is None else Service.objects.filter(pk__in=services)
    groups = list(BREAKDOWN_MODELS[by].objects.filter(pk__in=in_scope.values(GROUP_COLUMNS[by]))
                  .order_by("name", "pk").only("pk", "slug", "name"))
    return [[{"key": group.slug, "name": group.name, **_blocks(rows.get(group.pk, _empty_row(query.days)))}
             for group in groups] for query, rows in zip(queries, sets, strict=True)]


def dora_breakdown(*, query: MetricQuery, by: str, use_rollups: bool | None = None) -> list[dict]:
    """The five metrics per service, team or value stream (`by`) of the query's scope, each
    exactly what dora_report gives for the scope narrowed to that group, computed for all
    groups in one statement. Every group with a service in the scope is listed, with or without
    deployments, by name."""
    return dora_breakdowns(queries=[query], by=by, use_rollups=use_rollups)[0]


def service_get(*, key: str) -> Service | None:
    """A service by slug, or by id when the key is all digits (links from elsewhere may use either)."""
    services = Service.objects.select_related("value_stream", "team")
    found = services.filter(slug=key).first()
    if found is None and key.isascii() and key.isdigit():
        found = services.filter(pk=int(key)).first()
    return found


def deployment_outcome(row: dict) -> str:
    """What the timeline marks a deployment as, worst first: a deployment that never went live,
    one rolled back (by status or named by a later deployment of kind rollback, as METRICS.md
    counts failures), one an incident was attributed to, a rollback or hotfix itself, or a plain
    success."""
    if row["status"] == DeploymentStatus.FAILED:
        return "failed"
    if row["status"] == DeploymentStatus.ROLLED_BACK or row["rolled_back_later"]:
        return "rolled_back"
    if row["caused_incident"]:
        return "incident"
    if row["kind"] in (DeploymentKind.ROLLBACK, DeploymentKind.HOTFIX):
        return row["kind"]
    if row["status"] == DeploymentStatus.SUCCEEDED:
        return "succeeded"
    return "other"


def service_deployment_timeline(*, service: Service, start: datetime, end: datetime,
                                limit: int = TIMELINE_LIMIT) -> list[dict]:
    """Deployments of the service to any environment that finished (or, still running, started)
    in [start, end), newest `limit` of them, oldest first, each with its `outcome`. One query."""
    rows = (
        Deployment.objects.filter(service=service)
        .annotate(at=Coalesce("finished_at", "started_at"),
                  rolled_back_later=Exists(Deployment.objects.filter(rollback_of=OuterRef("pk"),
                                                                     kind=DeploymentKind.ROLLBACK)),
                  caused_incident=Exists(Incident.objects.filter(attributed_deployment=OuterRef("pk"))))
        .filter(at__gte=start, at__lt=end)
        .order_by("-at", "-id")
        .values("id", "at", "version", "commit_sha", "status", "kind", "environment_name", "is_production",
                "rolled_back_later", "caused_incident", "environment__name")[:limit]
    )
    timeline = [{**row, "environment": row["environment__name"] or row["environment_name"] or "unknown"}
                for row in rows]
    for row in timeline:
        row["outcome"] = deployment_outcome(row)
    timeline.reverse()
    return timeline


def service_lead_time_histogram(*, service: Service, start: datetime, end: datetime) -> list[dict]:
    """How many of the service's changes had a lead time in each bucket, over the changes whose
    first production deployment finished in [start, end) (METRICS.md, change lead time:
    committed, else authored, time; negative spans dropped). One aggregate query."""
    lead = ExpressionWrapper(F("first_production_deployment__finished_at") - Coalesce("committed_at", "authored_at"),
                             output_field=DurationField())
    counts = {}
    for index, (_label, low, high, _level) in enumerate(LEAD_TIME_BUCKETS):
        bounds = Q(lead__gte=timedelta(hours=low))
        if high is not None:
            bounds &= Q(lead__lt=timedelta(hours=high))
        counts[f"b{index}"] = Count("pk", filter=bounds)
    # The deployment's own service too (always the commit's): lets PostgreSQL find the window's
    # deployments by the (service, finished_at) index instead of scanning every service's.
    totals = (Commit.objects.filter(service=service, first_production_deployment__service=service,
                                    first_production_deployment__finished_at__gte=start,
                                    first_production_deployment__finished_at__lt=end)
              .annotate(lead=lead).aggregate(**counts))
    return [{"label": label, "from_hours": low, "to_hours": high, "level": level, "changes": totals[f"b{index}"]}
            for index, (label, low, high, level) in enumerate(LEAD_TIME_BUCKETS)]


def service_incident_list(*, service: Service, start: datetime, end: datetime) -> QuerySet[Incident]:
    """The service's incidents opened in [start, end), newest first, with the deployment each
    is attributed to."""
    return (Incident.objects.filter(service=service, opened_at__gte=start, opened_at__lt=end)
            .select_related("attributed_deployment").order_by("-opened_at", "-id"))
