"""The records behind each DORA number, each with why it counted (or did not), one page at a
time in SQL. The rules are analytics.dora.sql's, so a drill-down always adds up to its number."""

from __future__ import annotations

from django.db import connection

from analytics.dora.record_counts import rollup_record_count
from analytics.dora.sql import CHANGES, INCIDENTS, SERVICES, WINDOW_SCOPE, production_cte, window_params
from analytics.query import MetricQuery, query_param
from vsm.errors import InvalidInput
from vsm.words import words

METRICS = ("deployment_frequency", "change_lead_time", "change_failure_rate", "failed_deployment_recovery_time",
           "deployment_rework_rate")
# How an incident came to count against a deployment, as the reason reads it.
ATTRIBUTED_BY = {"caused_by_deployment": "names this deployment as its cause",
                 "caused_by_commit": "names a commit of this deployment",
                 "caused_by_version": "names this deployment's version",
                 "time_window": "was opened within the attribution window after it"}

_INCIDENTS = f"""(SELECT coalesce(json_agg(json_build_object('number', i.number, 'attribution', i.attribution,
                                                  'resolved_at', i.resolved_at) ORDER BY i.opened_at, i.id), '[]')
        FROM {INCIDENTS} i WHERE i.organization_id = %(org)s AND i.attributed_deployment_id = p.id) AS incidents"""
_DEPLOYMENT_COLUMNS = ("p.id AS deployment_id, s.slug AS service, p.finished_at, p.version, p.commit_sha, p.kind, "
                       "p.status, p.rework, p.failed, p.rolled_back, p.rolled_back_by")

# metric: (extra CTEs, select list, from, whether a row counts, order). "Counts" is the
# metric's own rule for the row (a failure for the change failure rate, rework for the rework
# rate, a recovery that can be timed, a lead time that can be measured): one SQL expression,
# selected as `counted` and used by the `counted` filter, so both always agree.
_QUERIES = {
    "deployment_frequency": ("", _DEPLOYMENT_COLUMNS, "production p", "true", "p.finished_at DESC, p.id DESC"),
    "deployment_rework_rate": ("", _DEPLOYMENT_COLUMNS, "production p", "p.rework", "p.finished_at DESC, p.id DESC"),
    "change_failure_rate": ("", f"{_DEPLOYMENT_COLUMNS}, {_INCIDENTS}", "production p", "p.failed",
                            "p.finished_at DESC, p.id DESC"),
    "failed_deployment_recovery_time": (
        "", f"{_DEPLOYMENT_COLUMNS}, r.recovered_at, r.next_id, "
            "extract(epoch FROM r.recovered_at - p.finished_at) / 3600.0 AS hours, " + _INCIDENTS,
        "production p JOIN recoveries r ON r.id = p.id", "coalesce(r.recovered_at >= p.finished_at, false)",
        "p.finished_at DESC, p.id DESC"),
    "change_lead_time": (
        f", changes AS ({CHANGES})",
        "ch.id AS commit_id, ch.sha, s.slug AS service, ch.committed_at, ch.authored_at, ch.deployment_id, "
        "ch.finished_at, ch.hours",
        "changes ch", "coalesce(ch.hours >= 0, false)", "ch.finished_at DESC, ch.id DESC"),
}


def _sql(metric: str, *, select: str, tail: str, counted: bool | None, page: bool) -> str:
    ctes, _columns, source, counts, _order = _QUERIES[metric]
    alias = "ch" if metric == "change_lead_time" else "p"
    recoveries = metric == "failed_deployment_recovery_time"
    production = production_cte(WINDOW_SCOPE, materialized=recoveries, recoveries=recoveries, page=page)
    condition = "true" if counted is None else counts if counted else f"NOT ({counts})"
    sql = (f"WITH {production}{ctes} SELECT {select} FROM {source}"
           f" JOIN {SERVICES} s ON s.id = {alias}.service_id WHERE {condition} {tail}")
    return sql


def _count(params: dict, metric: str, counted: bool | None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_sql(metric, select="count(*)", tail="", counted=counted, page=False), params)
        return cursor.fetchone()[0]


def dora_records_count(*, query: MetricQuery, metric: str, counted: bool | None = None) -> int:
    """How many rows dora_records lists, counted in the records."""
    return _count(window_params(query), metric, counted)


def dora_records(*, query: MetricQuery, metric: str, offset: int = 0, limit: int | None = None,
                 counted: bool | None = None) -> list[dict]:
    """The deployments (or, for change_lead_time, the changes) behind `metric` in the query's
    window and scope, newest first, each with ``counted`` and ``why``; only those that count
    (or only those that do not) when `counted` says so."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric}")
    _ctes, columns, _source, counts, order = _QUERIES[metric]
    sql = _sql(metric, select=f"{columns}, ({counts}) AS counted",
               tail=f"ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s", counted=counted, page=True)
    with connection.cursor() as cursor:
        cursor.execute(sql, {**window_params(query), "limit": limit, "offset": offset})
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    explain = _EXPLAIN[metric]
    return [{**_public(row), **explain(row)} for row in rows]


def counted_parse(params) -> bool | None:
    """counted: true (only the rows that count: the failures of the change failure rate, ...),
    false (only those that do not) or absent (all)."""
    value = query_param(params, "counted")
    if value is None:
        return None
    if value not in ("true", "false"):
        raise InvalidInput.field("counted", "counted must be true or false.")
    return value == "true"


class DoraRecordPages:
    """dora_records as something a Paginator (the pages' or the API's) pages through: the count
    (from the rollups when they agree with the records, analytics.dora.record_counts) and one
    LIMIT/OFFSET query per page, whatever the size."""

    def __init__(self, query: MetricQuery, metric: str, counted: bool | None = None):
        if metric not in METRICS:
            raise InvalidInput.field("metric", f"metric must be one of {', '.join(METRICS)}.")
        self.query, self.metric, self.counted = query, metric, counted

    def count(self) -> int:
        params = window_params(self.query)  # the scope's services: one query for both counts
        stored = rollup_record_count(params=params, query=self.query, metric=self.metric, counted=self.counted)
        return _count(params, self.metric, self.counted) if stored is None else stored

    def __getitem__(self, page: slice) -> list[dict]:
        start = page.start or 0
        return dora_records(query=self.query, metric=self.metric, offset=start, limit=page.stop - start,
                            counted=self.counted)


def _public(row: dict) -> dict:
    hidden = {"rework", "failed", "rolled_back", "rolled_back_by", "incidents", "next_id"}
    return {key: value for key, value in row.items() if key not in hidden}


def _failure_reasons(row: dict) -> list[str]:
    reasons = []
    if row["rolled_back"]:
        reasons.append("status rolled back")
    if row["rolled_back_by"]:
        reasons.append(f"rolled back by deployment {row['rolled_back_by']}")
    reasons += [f"incident {i['number']} {ATTRIBUTED_BY.get(i['attribution'], words(i['attribution']))}"
                for i in row.get("incidents") or []]
    return reasons


def _frequency(row: dict) -> dict:
    return {"why": f"production deployment ({row['status'].replace('_', ' ')})"}


def _failure(row: dict) -> dict:
    reasons = _failure_reasons(row)
    return {"why": f"failed: {'; '.join(reasons)}" if row["failed"] else "not failed: no rollback, no incident",
            "incidents": [i["number"] for i in row["incidents"]]}


def _rework(row: dict) -> dict:
    return {"why": f"rework: a {row['kind']}" if row["rework"] else f"not rework: a {row['kind']} deployment"}


def _recovery(row: dict) -> dict:
    failed = f"failed ({'; '.join(_failure_reasons(row))})"
    incidents = row["incidents"]
    if row["recovered_at"] is None:
        pending = [i["number"] for i in incidents if not i["resolved_at"]]
        why = (f"open: incident {', '.join(pending)} unresolved" if incidents
               else "open: no later production deployment yet")
        return {"why": f"{failed}; {why}"}
    if row["hours"] < 0:
        return {"why": f"{failed}; dropped: recovered before the deployment finished"}
    how = (f"last incident resolved ({', '.join(i['number'] for i in incidents)})" if incidents
           else f"next production deployment {row['next_id']}")
    return {"why": f"{failed}; recovered by {how}"}


def _lead(row: dict) -> dict:
    if row["hours"] is None:
        return {"why": "dropped: the commit has no commit or author time"}
    if row["hours"] < 0:
        return {"why": "dropped: committed after the deployment finished (negative span)"}
    return {"why": f"first reached production with deployment {row['deployment_id']}"}


# Why each row counted (or did not); whether it did is the SQL's `counted`.
_EXPLAIN = {"deployment_frequency": _frequency, "change_failure_rate": _failure, "deployment_rework_rate": _rework,
            "failed_deployment_recovery_time": _recovery, "change_lead_time": _lead}
