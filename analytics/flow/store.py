"""The stored flow instants of every work item (analytics.WorkItemFlow), kept by PostgreSQL.

Triggers on the work item and transition tables (installed by migration
0004_work_item_flow_triggers, narrowed by 0008_work_item_flow_narrower_triggers) call
``analytics_work_item_flow_refresh`` once per statement, whatever wrote it (ingest, the mapping's
re-application, an ORM save), with the ids of the items whose flow instants the statement can
have moved. The function recomputes those items' rows with the rules of analytics.flow.scope
(first entry into an in-progress status, the three instants built from it) and writes only the
rows whose values changed, so a replay of the same records writes nothing. It runs as the
writing role, under row-level security, inside the writer's tenant context.
"""

from __future__ import annotations

from django.db import connection

from analytics.flow.scope import DONE, IN_PROGRESS
from analytics.item_triggers import ITEMS, TRANSITIONS, item_triggers, items_changed
from analytics.models import WorkItemFlow
from vsm.tenancy.context import require_org_id

FLOWS = WorkItemFlow._meta.db_table
REFRESH = "analytics_work_item_flow_refresh"  # the SQL function: (item ids bigint[]) -> void

REFRESH_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {REFRESH}(item_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO {FLOWS} AS f (organization_id, work_item_id, first_in_progress, start_at, load_start_at, done_at)
    SELECT w.organization_id, w.id, h.first_in_progress,
           COALESCE(h.first_in_progress, w.started_at, w.created_at),
           COALESCE(h.first_in_progress, w.started_at,
                    CASE WHEN w.status_category = '{IN_PROGRESS}' THEN w.created_at END),
           CASE WHEN w.status_category = '{DONE}' THEN COALESCE(w.resolved_at, (
                SELECT t.at FROM {TRANSITIONS} t WHERE t.work_item_id = w.id AND t.to_category = '{DONE}'
                 ORDER BY t.at DESC, t.id DESC LIMIT 1)) END
      FROM {ITEMS} w
     CROSS JOIN LATERAL (SELECT (SELECT t.at FROM {TRANSITIONS} t
                                  WHERE t.work_item_id = w.id AND t.to_category = '{IN_PROGRESS}'
                                  ORDER BY t.at, t.id LIMIT 1) AS first_in_progress) h
     WHERE w.id = ANY(item_ids)
    ON CONFLICT (work_item_id) DO UPDATE SET
           first_in_progress = excluded.first_in_progress, start_at = excluded.start_at,
           load_start_at = excluded.load_start_at, done_at = excluded.done_at
     WHERE (f.first_in_progress, f.start_at, f.load_start_at, f.done_at) IS DISTINCT FROM
           (excluded.first_in_progress, excluded.start_at, excluded.load_start_at, excluded.done_at)
$$;
"""

# Only the items whose instants a statement can have moved are recomputed (analytics.item_triggers).
FLOW_INPUTS = ("status_category", "started_at", "created_at", "resolved_at")  # the item columns read above
# A history entry into progress may be the first one; one into done counts only for a done item the
# tracker gave no resolution time.
STARTS_OR_ENDS = f"""SELECT c.work_item_id FROM changed c
 WHERE c.to_category = '{IN_PROGRESS}'
    OR c.to_category = '{DONE}' AND EXISTS (SELECT FROM {ITEMS} w WHERE w.id = c.work_item_id
                                            AND w.status_category = '{DONE}' AND w.resolved_at IS NULL)"""
_TRIGGERS_INSTALL, _TRIGGERS_UNINSTALL = item_triggers(
    name="analytics_flow", refresh=REFRESH,
    narrower={(ITEMS, "UPDATE"): items_changed(FLOW_INPUTS), (TRANSITIONS, "INSERT"): STARTS_OR_ENDS},
    earlier_functions=("analytics_work_item_flow_items", "analytics_work_item_flow_items_update",
                       "analytics_work_item_flow_transitions", "analytics_work_item_flow_transitions_insert"))
INSTALL = REFRESH_FUNCTION + _TRIGGERS_INSTALL
UNINSTALL = _TRIGGERS_UNINSTALL + f"DROP FUNCTION IF EXISTS {REFRESH}(bigint[]);"


def work_item_flows_rebuild(*, cursor=None) -> None:
    """Recompute the stored row of every work item of the current organization (what the
    triggers keep up to date one statement at a time; the migration fills existing data with it)."""
    org_id = require_org_id()
    if cursor is None:
        with connection.cursor() as own:
            return work_item_flows_rebuild(cursor=own)
    cursor.execute(f"SELECT {REFRESH}(ARRAY(SELECT id FROM {ITEMS} "
                   "WHERE organization_id = %s))", [org_id])
    return None
