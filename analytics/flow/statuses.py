"""Time in status, from the stored status history, aggregated by PostgreSQL.

An item is in the status a transition entered from that transition's time until the next
transition (or, for the last one, until the item was done). Only the part inside the item's
flow (from its start to its done time) counts. Time in an in-progress status is **active**
unless the transition marked the status as a waiting one (``to_waiting``, from the connection's
mapping). For flow efficiency, time in a to-do status after the start (work sent back) is not
active either; for "where work waits" only the statuses the mapping calls waiting compete for
bottleneck. Items without any stored transition have no time in status: they are
left out of these sums (and out of flow efficiency), because nothing says how their time split.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from analytics.flow.scope import IN_PROGRESS
from integrations.models import WorkItem, WorkItemTransition
from vsm.tenancy.context import require_org_id

_SEGMENTS = """
WITH items AS ({items}),
segments AS (
    SELECT t.work_item_id, t.to_status, t.to_category, t.to_waiting,
           GREATEST(t.at, items.start_at) AS seg_start,
           LEAST(COALESCE(LEAD(t.at) OVER (PARTITION BY t.work_item_id ORDER BY t.at, t.id), items.done_at),
                 items.done_at) AS seg_end
    FROM {transitions} t JOIN items ON items.id = t.work_item_id
    WHERE t.organization_id = %s
),
spans AS (
    SELECT work_item_id, to_status, to_category, to_waiting,
           EXTRACT(EPOCH FROM seg_end - seg_start) / 3600.0 AS hours
    FROM segments WHERE seg_end > seg_start
)
"""


def _run(items: QuerySet[WorkItem], select: str) -> list[tuple]:
    try:
        items_sql, items_params = items.values("id", "start_at", "done_at").query.sql_with_params()
    except EmptyResultSet:  # e.g. pk__in=[] for an empty page
        return []
    sql = _SEGMENTS.format(items=items_sql, transitions=WorkItemTransition._meta.db_table) + select
    with connection.cursor() as cursor:
        # The organization filter repeats what row-level security enforces, so the planner can use it.
        cursor.execute(sql, (*items_params, require_org_id()))
        return cursor.fetchall()


def time_in_status(items: QuerySet[WorkItem]) -> tuple[list[dict], dict[str, float | int]]:
    """From one pass over the status history of `items` (one query):

    - per status entered during their flow: its category, whether it is a waiting one, the total
      hours and the median (over the items that were in it) of each item's hours in it, and how
      many items were; largest total first;
    - summed over the items with a stored history: active hours, their flow hours (start to
      done) and how many items.

    Both read the same spans; the efficiency row comes last (its total is NULL). Hours are exact
    `numeric` sums, so summing per status first gives the number summing per item gave."""
    rows = _run(items, f"""
        , per_status AS (
            SELECT work_item_id, to_status, MAX(to_category) AS category, BOOL_OR(to_waiting) AS waiting,
                   SUM(hours) AS hours,
                   SUM(hours) FILTER (WHERE to_category = '{IN_PROGRESS}' AND NOT to_waiting) AS active
            FROM spans GROUP BY work_item_id, to_status
        )
        SELECT to_status, MAX(category), BOOL_OR(waiting), SUM(hours),
               PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY hours), COUNT(*), NULL, NULL
        FROM per_status GROUP BY to_status
        UNION ALL
        SELECT NULL, NULL, NULL, NULL, NULL, COUNT(*), (SELECT COALESCE(SUM(active), 0) FROM per_status),
               COALESCE(SUM(EXTRACT(EPOCH FROM items.done_at - items.start_at) / 3600.0), 0)
        FROM items WHERE items.id IN (SELECT work_item_id FROM segments)
        ORDER BY 4 DESC NULLS LAST, 1
    """)
    *statuses, (*_, count, active, flow) = rows  # the efficiency row is an aggregate: always there
    return ([{"status": status, "category": category, "waiting": bool(waiting), "total_hours": float(total),
              "median_hours": float(median), "items": items}
             for status, category, waiting, total, median, items, _active, _flow in statuses],
            {"active_hours": float(active), "flow_hours": float(flow), "items": count})


def item_splits(items: QuerySet[WorkItem]) -> dict[int, dict]:
    """Per item with a stored history: hours active (in an in-progress status not marked
    waiting), hours not active (the rest of its flow inside the history) and hours per status.
    Meant for a page of records: one query."""
    rows = _run(items, """
        SELECT work_item_id, to_status, to_category, to_waiting, SUM(hours)
        FROM spans GROUP BY work_item_id, to_status, to_category, to_waiting
    """)
    splits: dict[int, dict] = {}
    for item_id, status, category, waiting, hours in rows:
        entry = splits.setdefault(item_id, {"active_hours": 0.0, "waiting_hours": 0.0, "statuses": {}})
        entry["active_hours" if category == IN_PROGRESS and not waiting else "waiting_hours"] += float(hours)
        entry["statuses"][status] = entry["statuses"].get(status, 0.0) + float(hours)
    return splits
