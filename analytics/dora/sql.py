"""The DORA rules of METRICS.md as SQL, in one place.

``daily_facts_sql`` turns the raw records into one row per service and day (organization time
zone): the rollup rows. The rollups store exactly its output, and a report without rollups
aggregates its output directly, so both paths share every rule. ``report_sql`` aggregates such
rows into periods.
"""

from __future__ import annotations

from analytics.query import MetricQuery
from integrations.delivery_rules import DELIVERY_PARAMS, live_production_sql
from integrations.models import Commit, Deployment, Incident
from vsm.catalog.models import Service
from vsm.tenancy.context import require_org_id

COMMITS, DEPLOYMENTS, INCIDENTS = (model._meta.db_table for model in (Commit, Deployment, Incident))
SERVICES = Service._meta.db_table
HOURS = "/ 3600.0"

# Production deployments (reached production, dated by finished_at) with their local day,
# whether they are rework, and the three reasons METRICS.md has for a failure.
PRODUCTION_DEPLOYMENTS = f"""
SELECT d.id, d.service_id, d.finished_at, d.kind, d.status, d.version, d.commit_sha, d.external_id,
       (d.finished_at AT TIME ZONE %(tz)s)::date AS day,
       d.kind = ANY(%(rework_kinds)s) AS rework,
       d.status = %(rolled_back)s AS rolled_back,
       (SELECT min(r.id) FROM {DEPLOYMENTS} r
         WHERE r.organization_id = %(org)s AND r.rollback_of_id = d.id AND r.kind = %(rollback)s) AS rolled_back_by,
       EXISTS (SELECT 1 FROM {INCIDENTS} i
                WHERE i.organization_id = %(org)s AND i.attributed_deployment_id = d.id{{probe}}) AS has_incident
  FROM {DEPLOYMENTS} d
 WHERE d.organization_id = %(org)s AND {live_production_sql("d")}
   AND {{where}}
"""

# When each failed deployment recovered: the latest resolution of its incidents once all are
# resolved; with no incident (a rollback), the next production deployment of its service.
# Correlated subqueries, not lateral joins: only those reach the indexes of tables under
# row-level security (integrations.derivation, ranged).
_NEXT_PRODUCTION = f"""(SELECT x.{{column}} FROM {DEPLOYMENTS} x
     WHERE x.organization_id = %(org)s AND x.service_id = p.service_id AND {live_production_sql("x")}
       AND (x.finished_at, x.id) > (p.finished_at, p.id)
     ORDER BY x.finished_at, x.id LIMIT 1)"""
RECOVERIES = f"""
SELECT p.id,
       CASE WHEN p.has_incident THEN (
                SELECT CASE WHEN count(*) = count(i.resolved_at) THEN max(i.resolved_at) END FROM {INCIDENTS} i
                 WHERE i.organization_id = %(org)s AND i.attributed_deployment_id = p.id)
            ELSE {_NEXT_PRODUCTION.replace("{column}", "finished_at")} END AS recovered_at,
       CASE WHEN NOT p.has_incident THEN {_NEXT_PRODUCTION.replace("{column}", "id")} END AS next_id
  FROM production p
 WHERE p.failed
"""

# Each change counted at its first production deployment; hours null when undated.
CHANGES = f"""
SELECT c.id, c.sha, c.committed_at, c.authored_at, p.id AS deployment_id, p.service_id, p.day, p.finished_at,
       extract(epoch FROM p.finished_at - coalesce(c.committed_at, c.authored_at)) {HOURS} AS hours
  FROM production p
  JOIN {COMMITS} c ON c.first_production_deployment_id = p.id
 WHERE c.organization_id = %(org)s
   -- A constant list for the planner, so only these services' commits are read (a join clause
   -- never reaches an index of a table under row-level security; see integrations.derivation).
   AND c.service_id = ANY(ARRAY(SELECT DISTINCT service_id FROM production))
"""


def production_cte(where: str, *, materialized: bool = True, recoveries: bool = True, page: bool = False) -> str:
    """``production`` (and ``recoveries``) CTEs, without the WITH, for deployments matching
    `where`. A drill-down page reads `production` once, unmaterialized, so its LIMIT reaches the
    index. With `page` (a LIMIT reads a few rows), each row's incidents are looked up by index too:
    OFFSET 0 keeps PostgreSQL from turning the EXISTS into a hash of every incident of the
    organization, which it prefers when planning for the whole window rather than the page (built
    up to three times per page, 50 ms each at 100,000 incidents); reading every row, the hash wins."""
    base = PRODUCTION_DEPLOYMENTS.replace("{where}", where).replace("{probe}", " OFFSET 0" if page else "")
    keyword = "MATERIALIZED " if materialized else ""
    sql = (f"production AS {keyword}(SELECT b.*, (b.rolled_back OR b.rolled_back_by IS NOT NULL OR b.has_incident)"
           f" AS failed FROM ({base}) b)")
    return f"{sql},\nrecoveries AS MATERIALIZED ({RECOVERIES})" if recoveries else sql


def daily_facts_sql(where: str) -> str:
    """One row per (service_id, day): the columns of analytics.DoraDay."""
    return f"""
WITH {production_cte(where)},
changes AS ({CHANGES}),
per_day AS (
    SELECT service_id, day, count(*) AS deployments, count(*) FILTER (WHERE failed) AS failed,
           count(*) FILTER (WHERE rework) AS rework
      FROM production GROUP BY service_id, day
),
lead AS (
    SELECT service_id, day, array_agg(hours ORDER BY hours) AS hours
      FROM changes WHERE hours >= 0 GROUP BY service_id, day
),
recovery AS (
    SELECT p.service_id, p.day,
           array_agg(extract(epoch FROM r.recovered_at - p.finished_at) {HOURS} ORDER BY r.recovered_at - p.finished_at)
               FILTER (WHERE r.recovered_at >= p.finished_at) AS hours,
           count(*) FILTER (WHERE r.recovered_at IS NULL) AS open
      FROM recoveries r JOIN production p ON p.id = r.id GROUP BY p.service_id, p.day
)
SELECT d.service_id, d.day, d.deployments, d.failed, d.rework, coalesce(r.open, 0) AS open_failures,
       coalesce(l.hours, '{{}}'::float8[]) AS lead_time_hours, coalesce(r.hours, '{{}}'::float8[]) AS recovery_hours
  FROM per_day d
  LEFT JOIN lead l USING (service_id, day)
  LEFT JOIN recovery r USING (service_id, day)
"""


def base_params(*, org_id: int, tz: str) -> dict:
    return {**DELIVERY_PARAMS, "org": org_id, "tz": tz}


# Production deployments of a query's window and scope (parameters from window_params).
WINDOW_SCOPE = ("d.finished_at >= %(start)s AND d.finished_at < %(end)s"
                " AND (%(all_services)s OR d.service_id = ANY(%(services)s))")


def window_params(*queries: MetricQuery) -> dict:
    """The parameters of report_sql's sets, one per query (same scope: the first's): set n's days
    from_n to_n, and the facts to read, start to end (window_from to window_to), covering them all."""
    first = queries[0]
    services = first.service_ids()
    return {**base_params(org_id=require_org_id(), tz=first.tz.key),
            "start": min(q.start for q in queries), "end": max(q.end for q in queries),
            "window_from": min(q.window_from for q in queries), "window_to": max(q.window_to for q in queries),
            "all_services": services is None, "services": services or [], "whole": True,
            **{f"from_{n}": q.window_from for n, q in enumerate(queries)},
            **{f"to_{n}": q.window_to for n, q in enumerate(queries)}}


# What a breakdown groups by: the column of the service that names the group.
GROUP_COLUMNS = {"service": "id", "team": "team_id", "value_stream": "value_stream_id"}


# The hours of one set's facts (`column` of DoraDay) aggregated per group and period of set n.
_PERCENTILES = """
    SELECT f.grp, {n} AS s, days.period, {aggregates}
      FROM facts f JOIN days ON days.s = {n} AND days.day = f.day CROSS JOIN LATERAL unnest(f.{column}) h
     GROUP BY f.grp, days.period"""


def _period(interval: str | None, n: int) -> str:
    """The period of set n a day `g` falls in: its `interval` (day, week, month), or with None
    the whole set as one period (dated by its first day)."""
    return f"%(from_{n})s::date" if interval is None else f"date_trunc('{interval}', g)"


def report_sql(*, facts: str, periods: tuple[str | None, ...], by: str | None = None) -> str:
    """Aggregate daily facts (a SQL query with columns of DoraDay) over the days of one or more
    sets, reading the facts once for all of them: set n covers the
    days from_n to to_n (window_params) grouped by periods[n] (see _period), so a dashboard's
    window, its series and the previous window are one statement. Grouped, with `by` (a key of
    GROUP_COLUMNS), by the group of each fact's service too: every group in one pass, each with
    exactly the numbers the report filtered to that group gives. Days without facts count as
    days without deployments; weeks and months are cut to the days of the set and period. Rows
    carry `s` (the set) and `grp` (the group's id; 0 without `by`). Services outside every group
    (no team, say) are left out."""
    if by is None:
        grouped = f"SELECT f.*, 0 AS grp FROM ({facts}) f"
    else:
        grouped = (f"SELECT f.*, s.{GROUP_COLUMNS[by]} AS grp FROM ({facts}) f"
                   f" JOIN {SERVICES} s ON s.id = f.service_id AND s.{GROUP_COLUMNS[by]} IS NOT NULL")
    days = "\n    UNION ALL\n    ".join(
        f"SELECT {n} AS s, g::date AS day, ({_period(interval, n)})::date AS period"
        f" FROM generate_series(%(from_{n})s::date, %(to_{n})s::date, interval '1 day') g"
        for n, interval in enumerate(periods))
    # The percentiles one set at a time: each set's hours sorted on their own (in memory), where one
    # aggregate over every set sorted them all together, on disk beyond a million hours.
    lead = " UNION ALL ".join(_PERCENTILES.format(
        n=n, column="lead_time_hours",
        aggregates="percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY h) AS lead, count(*) AS changes")
        for n in range(len(periods)))
    recovery = " UNION ALL ".join(_PERCENTILES.format(
        n=n, column="recovery_hours",
        aggregates="percentile_cont(0.5) WITHIN GROUP (ORDER BY h) AS median, count(*) AS recovered")
        for n in range(len(periods)))
    return f"""
WITH facts AS MATERIALIZED ({grouped}),
groups AS (SELECT DISTINCT grp FROM facts UNION SELECT 0 WHERE %(whole)s),
days AS (
    {days}
),
daily AS (
    SELECT groups.grp, days.s, days.day, days.period, coalesce(sum(f.deployments), 0) AS deployments,
           coalesce(sum(f.failed), 0) AS failed, coalesce(sum(f.rework), 0) AS rework,
           coalesce(sum(f.open_failures), 0) AS open_failures
      FROM groups CROSS JOIN days LEFT JOIN facts f ON f.grp = groups.grp AND f.day = days.day
     GROUP BY groups.grp, days.s, days.day, days.period
),
weeks AS (
    SELECT grp, s, period, count(*) FILTER (WHERE deployments > 0) AS n FROM daily
     GROUP BY grp, s, period, date_trunc('week', day)
),
months AS (
    SELECT grp, s, period, count(*) FILTER (WHERE deployments > 0) AS n FROM daily
     GROUP BY grp, s, period, date_trunc('month', day)
),
totals AS (
    SELECT grp, s, period, count(*) AS days, sum(deployments) AS deployments,
           count(*) FILTER (WHERE deployments > 0) AS deployment_days,
           sum(failed) AS failed, sum(rework) AS rework, sum(open_failures) AS open_failures
      FROM daily GROUP BY grp, s, period
),
weekly AS (SELECT grp, s, period, percentile_cont(0.5) WITHIN GROUP (ORDER BY n) AS median FROM weeks
            GROUP BY grp, s, period),
monthly AS (SELECT grp, s, period, percentile_cont(0.5) WITHIN GROUP (ORDER BY n) AS median FROM months
             GROUP BY grp, s, period),
lead AS ({lead}),
recovery AS ({recovery})
SELECT t.grp, t.s, t.period, t.days, t.deployments, t.deployment_days, w.median AS weekly_median,
       m.median AS monthly_median, l.lead[1] AS lead_median, l.lead[2] AS lead_p90, coalesce(l.changes, 0) AS changes,
       t.failed, t.rework, t.open_failures, r.median AS recovery_median, coalesce(r.recovered, 0) AS recovered
  FROM totals t
  LEFT JOIN weekly w USING (grp, s, period) LEFT JOIN monthly m USING (grp, s, period)
  LEFT JOIN lead l USING (grp, s, period) LEFT JOIN recovery r USING (grp, s, period)
 ORDER BY t.s, t.grp, t.period
"""
