"""How many records a drill-down lists, from the rollups instead of counting the records.

Counting a year of an organization's production deployments (about 480,000 at a million over two
years) cost 0.7–0.9 s on every drill-down page (bench/README.md, analytics pages). The rollups
hold the same numbers per service and day, and a report's numbers are sums of them: the rows of
each metric and those of them that count (``records._QUERIES``) are sums of DoraDay columns. They
agree with the records exactly when the rollups are complete for the query's time zone and no
derivation of a service in the scope is pending: records are stored together with their
service's marker (integrations.services.derivation_marks), and the derivation deletes the marker
in the transaction that rewrites the rollup rows. Otherwise the records are counted. The sums are
stored like a report (analytics.dora.report_cache): one statement when the rollups changed, none
otherwise, next to the one that checks the two conditions.
"""

from __future__ import annotations

from django.db import connection

from analytics.dora.report_cache import cached_report
from analytics.dora.services import STATE_SQL
from analytics.models import DoraDay, DoraRollupState
from analytics.query import MetricQuery
from integrations.models import DerivationPending

# metric: (the DoraDay sum of all its rows or None when the rollups do not hold it, the sum of
# the rows that count). The lead time drill-down also lists changes without a usable lead time,
# which no rollup counts.
SUMS = {
    "deployment_frequency": ("deployments", "deployments"),
    "change_failure_rate": ("deployments", "failed"),
    "deployment_rework_rate": ("deployments", "rework"),
    "failed_deployment_recovery_time": ("failed", "recovered"),
    "change_lead_time": (None, "lead_times"),
}

_SUMS_SQL = f"""
SELECT coalesce(sum(deployments), 0) AS deployments, coalesce(sum(failed), 0) AS failed,
       coalesce(sum(rework), 0) AS rework, coalesce(sum(cardinality(recovery_hours)), 0) AS recovered,
       coalesce(sum(cardinality(lead_time_hours)), 0) AS lead_times
  FROM {DoraDay._meta.db_table}
 WHERE organization_id = %(org)s AND day BETWEEN %(window_from)s AND %(window_to)s
   AND (%(all_services)s OR service_id = ANY(%(services)s))"""

_AGREE_SQL = f"""
SELECT {STATE_SQL} AS state,
       EXISTS (SELECT 1 FROM {DoraRollupState._meta.db_table} WHERE organization_id = %(org)s AND time_zone = %(tz)s)
   AND NOT EXISTS (SELECT 1 FROM {DerivationPending._meta.db_table}
                    WHERE organization_id = %(org)s AND (%(all_services)s OR service_id = ANY(%(services)s)))
       AS agree"""


def _fetch(sql: str, params: dict) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def rollup_record_count(*, params: dict, query: MetricQuery, metric: str, counted: bool | None) -> int | None:
    """The number of `metric`'s drill-down rows in the query's window and scope (only those that
    count, or only those that do not, when `counted` says so; `params` are the query's
    window_params) from the rollups, or None when the rollups cannot say it exactly: then the
    caller counts the records."""
    every, counting = SUMS[metric]
    if every is None and counted is not True:
        return None
    agreement = _fetch(_AGREE_SQL, params)
    if not agreement["agree"]:
        return None
    sums = cached_report(org_id=params["org"], state=agreement["state"], kind="record_counts", query=query,
                         services=None if params["all_services"] else params["services"],
                         compute=lambda: _fetch(_SUMS_SQL, params))
    if counted is None:
        return int(sums[every])
    return int(sums[counting]) if counted else int(sums[every]) - int(sums[counting])
