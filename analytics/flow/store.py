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

# A statement's rows reach the functions as transition tables, which PostgreSQL allows on
# single-event triggers only: one trigger per event. Each trigger refreshes only the items whose
# flow instants the statement can have moved, so an ingest that only records when it last saw an
# item (every replayed page) or adds a history entry that is neither the start of work nor its end
# recomputes nothing.
_FLOW_INPUTS = "status_category, started_at, created_at, resolved_at"  # the item columns read above
_TRIGGER_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION analytics_work_item_flow_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analytics_work_item_flow_refresh(ARRAY(SELECT DISTINCT id FROM changed));
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION analytics_work_item_flow_items_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analytics_work_item_flow_refresh(ARRAY(
        SELECT DISTINCT n.id FROM changed n JOIN before o ON o.id = n.id
         WHERE (n.{_FLOW_INPUTS.replace(", ", ", n.")}) IS DISTINCT FROM (o.{_FLOW_INPUTS.replace(", ", ", o.")})));
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION analytics_work_item_flow_transitions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analytics_work_item_flow_refresh(ARRAY(SELECT DISTINCT work_item_id FROM changed));
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION analytics_work_item_flow_transitions_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- An entry into progress may be the first one; an entry into done counts only for a done item
    -- the tracker gave no resolution time.
    PERFORM analytics_work_item_flow_refresh(ARRAY(
        SELECT DISTINCT c.work_item_id FROM changed c
         WHERE c.to_category = '{IN_PROGRESS}'
            OR c.to_category = '{DONE}' AND EXISTS (
               SELECT FROM {ITEMS} w WHERE w.id = c.work_item_id AND w.status_category = '{DONE}'
                                       AND w.resolved_at IS NULL)));
    RETURN NULL;
END $$;
"""
_TRIGGERS = [
    (ITEMS, "INSERT", "NEW TABLE AS changed", "analytics_work_item_flow_items"),
    (ITEMS, "UPDATE", "OLD TABLE AS before NEW TABLE AS changed", "analytics_work_item_flow_items_update"),
    (TRANSITIONS, "INSERT", "NEW TABLE AS changed", "analytics_work_item_flow_transitions_insert"),
    (TRANSITIONS, "UPDATE", "NEW TABLE AS changed", "analytics_work_item_flow_transitions"),
    (TRANSITIONS, "DELETE", "OLD TABLE AS changed", "analytics_work_item_flow_transitions"),
]
_FUNCTIONS = sorted({function for *_rest, function in _TRIGGERS})


def _trigger_name(table: str, event: str) -> str:
    return f"analytics_flow_{table.removeprefix('integrations_')}_{event.lower()}"


INSTALL = REFRESH_FUNCTION + _TRIGGER_FUNCTIONS + "".join(
    f"CREATE TRIGGER {_trigger_name(table, event)} AFTER {event} ON {table} "
    f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}();\n"
    for table, event, tables, function in _TRIGGERS)
UNINSTALL = "".join(f"DROP TRIGGER IF EXISTS {_trigger_name(table, event)} ON {table};\n"
                    for table, event, _tables, _function in _TRIGGERS) + "".join(
    f"DROP FUNCTION IF EXISTS {function}();\n" for function in _FUNCTIONS) + (
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
