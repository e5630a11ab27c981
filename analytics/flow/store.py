"""The stored flow instants of every work item (analytics.WorkItemFlow), kept by PostgreSQL.

Triggers on the work item and transition tables (installed by migration
0004_work_item_flow_triggers) call ``analytics_work_item_flow_refresh`` with the ids of the items a
statement touched, once per statement, whatever wrote it: ingest, the mapping's re-application,
an ORM save. The function recomputes those items' rows with the rules of analytics.flow.scope
(first entry into an in-progress status, the three instants built from it) and writes only the
rows whose values changed, so a replay of the same records writes nothing. It runs as the
writing role, under row-level security, inside the writer's tenant context.
"""

from __future__ import annotations

from django.db import connection

from analytics.flow.scope import DONE, IN_PROGRESS
from analytics.models import WorkItemFlow
from integrations.models import WorkItem, WorkItemTransition
from vsm.tenancy.context import require_org_id

FLOWS, ITEMS, TRANSITIONS = (model._meta.db_table for model in (WorkItemFlow, WorkItem, WorkItemTransition))

REFRESH_FUNCTION = f"""
CREATE OR REPLACE FUNCTION analytics_work_item_flow_refresh(item_ids bigint[]) RETURNS void
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

# Transition tables are allowed on single-event triggers only: one trigger per event.
_TRIGGER_FUNCTIONS = """
CREATE OR REPLACE FUNCTION analytics_work_item_flow_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analytics_work_item_flow_refresh(ARRAY(SELECT DISTINCT id FROM changed));
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION analytics_work_item_flow_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analytics_work_item_flow_refresh(ARRAY(SELECT DISTINCT work_item_id FROM changed));
    RETURN NULL;
END $$;
"""
_TRIGGERS = [
    (ITEMS, "INSERT", "NEW", "analytics_work_item_flow_items"),
    (ITEMS, "UPDATE", "NEW", "analytics_work_item_flow_items"),
    (TRANSITIONS, "INSERT", "NEW", "analytics_work_item_flow_transitions"),
    (TRANSITIONS, "UPDATE", "NEW", "analytics_work_item_flow_transitions"),
    (TRANSITIONS, "DELETE", "OLD", "analytics_work_item_flow_transitions"),
]


def _trigger_name(table: str, event: str) -> str:
    return f"analytics_flow_{table.removeprefix('integrations_')}_{event.lower()}"


INSTALL = REFRESH_FUNCTION + _TRIGGER_FUNCTIONS + "".join(
    f"CREATE TRIGGER {_trigger_name(table, event)} AFTER {event} ON {table} "
    f"REFERENCING {side} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION {function}();\n"
    for table, event, side, function in _TRIGGERS)
UNINSTALL = "".join(f"DROP TRIGGER IF EXISTS {_trigger_name(table, event)} ON {table};\n"
                    for table, event, _side, _function in _TRIGGERS) + (
    "DROP FUNCTION IF EXISTS analytics_work_item_flow_items(); "
    "DROP FUNCTION IF EXISTS analytics_work_item_flow_transitions(); "
    "DROP FUNCTION IF EXISTS analytics_work_item_flow_refresh(bigint[]);")


def work_item_flows_rebuild(*, cursor=None) -> None:
    """Recompute the stored row of every work item of the current organization (what the
    triggers keep up to date one statement at a time; the migration fills existing data with it)."""
    org_id = require_org_id()
    if cursor is None:
        with connection.cursor() as own:
            return work_item_flows_rebuild(cursor=own)
    cursor.execute(f"SELECT analytics_work_item_flow_refresh(ARRAY(SELECT id FROM {ITEMS} "
                   "WHERE organization_id = %s))", [org_id])
    return None
