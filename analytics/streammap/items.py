"""The value stream map's stored row of every work item (analytics.WorkItemMap), kept by PostgreSQL.

What the map read per request before, item by item: the status waits from the transitions, merged
with the key's stored delivery waits, and the part of them inside each stage (a multirange
intersection per item and stage). Stored instead: the merged waiting intervals and, for each event
of the item (analytics.streammap.events, in that order), its instant and the seconds waited before
it. A stage's waiting time is then the difference of two stored numbers (exact: seconds as numeric,
as the intersection sums them), read while the stored instants are still the item's.

Kept up to date by
- triggers on the work item and transition tables (installed by migration 0010), once per
  statement with the ids of the items it touched, whatever wrote it; they are named to run after
  analytics.flow.store's, whose flow instants (flow start, done time) they read;
- ``work_item_maps_refresh_keys``, after analytics.streammap.store rewrote delivery events: the
  items of the keys whose row changed.

The gate is not stored (releases change outside both): the map intersects the stored intervals per
request for the items whose release gate passed before their production deployment started, and for
any item whose stored instants no longer match (none while the triggers run in this order).
"""

from __future__ import annotations

from django.db import connection

from analytics.flow.store import FLOW_INPUTS, STARTS_OR_ENDS
from analytics.item_triggers import item_triggers, items_changed
from analytics.models import WorkItemFlow, WorkItemMap, WorkKeyDelivery
from analytics.streammap.events import EVENTS
from integrations.models import WorkItem, WorkItemTransition
from vsm.tenancy.context import require_org_id

MAPS, FLOWS, STORED, ITEMS, TRANSITIONS = (
    model._meta.db_table for model in (WorkItemMap, WorkItemFlow, WorkKeyDelivery, WorkItem, WorkItemTransition))
REFRESH = "analytics_work_item_map_refresh"  # the SQL function: (item ids bigint[]) -> void

# Each event's instant from a work item `w`, its flow row `f` and its key's delivery row `d`; the gate's is
# found per request. The same expressions the map's statement (analytics.streammap.sql) compares against.
OWN_EVENTS = {"work_created": "w.created_at", "work_started": "COALESCE(f.first_in_progress, w.started_at)",
              "work_done": "f.done_at"}
STORED_EVENTS = {name: OWN_EVENTS.get(name, f"d.{name}") for name in EVENTS if name != "gate_passed"}


def instants_sql(values: dict[str, str]) -> str:
    """The array of every event's instant in EVENTS order, from `values` (event -> expression)."""
    return "ARRAY[" + ", ".join(values.get(name, "NULL") for name in EVENTS) + "]::timestamptz[]"




def seconds_inside(waits: str, span: str) -> str:
    """The seconds of the multirange `waits` inside the range `span` (numeric: a difference of two
    is exactly the seconds between, the same number the map's intersection sums)."""
    return (f"(SELECT COALESCE(SUM(EXTRACT(EPOCH FROM upper(part) - lower(part))), 0) "
            f"FROM unnest({waits} * tstzmultirange({span})) AS part)")

REFRESH_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {REFRESH}(item_ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    WITH rows AS (
        SELECT w.organization_id, w.id, {instants_sql(STORED_EVENTS)} AS instants,
               COALESCE((SELECT range_agg(span) FROM (
                   -- Time in a status marked waiting, until the next transition.
                   SELECT tstzrange(s.at, s.until) AS span FROM (
                       SELECT t.at, t.to_waiting,
                              COALESCE(LEAD(t.at) OVER (ORDER BY t.at, t.id), 'infinity') AS until
                         FROM {TRANSITIONS} t WHERE t.work_item_id = w.id) s
                    WHERE s.to_waiting AND s.until > s.at
                   UNION ALL
                   SELECT unnest(d.waiting)) spans), '{{}}') AS waits
          FROM {ITEMS} w
          LEFT JOIN {FLOWS} f ON f.work_item_id = w.id
          LEFT JOIN {STORED} d ON d.organization_id = w.organization_id AND d.key = w.key
         WHERE w.id = ANY(item_ids)
    )
    INSERT INTO {MAPS} AS m (organization_id, work_item_id, instants, waited, waiting)
    SELECT r.organization_id, r.id, r.instants,
           ARRAY(SELECT CASE WHEN i.at IS NOT NULL THEN {seconds_inside("r.waits", "tstzrange(NULL, i.at)")} END
                   FROM unnest(r.instants) WITH ORDINALITY AS i(at, n) ORDER BY i.n),
           ARRAY(SELECT unnest(r.waits))
      FROM rows r
    ON CONFLICT (organization_id, work_item_id) DO UPDATE SET
           instants = excluded.instants, waited = excluded.waited, waiting = excluded.waiting
     WHERE (m.instants, m.waited, m.waiting) IS DISTINCT FROM (excluded.instants, excluded.waited, excluded.waiting)
$$;
"""

# PostgreSQL fires a table's triggers for one event in name order: "analytics_map_" comes after
# "analytics_flow_" (analytics.flow.store), so the flow row this reads is already written. The row
# reads the flow inputs, the key, and the history's waits: an item whose history has no waiting
# status can only move through its flow instants.
_TRIGGERS_INSTALL, _TRIGGERS_UNINSTALL = item_triggers(
    name="analytics_map", refresh=REFRESH,
    narrower={(ITEMS, "UPDATE"): items_changed((*FLOW_INPUTS, "key")),
              (TRANSITIONS, "INSERT"): f"""{STARTS_OR_ENDS}
              UNION ALL SELECT c.work_item_id FROM changed c WHERE EXISTS (
                  SELECT FROM {TRANSITIONS} t WHERE t.work_item_id = c.work_item_id AND t.to_waiting)"""},
    earlier_functions=("analytics_map_items", "analytics_map_transitions"))
INSTALL = REFRESH_FUNCTION + _TRIGGERS_INSTALL
UNINSTALL = _TRIGGERS_UNINSTALL + f"DROP FUNCTION IF EXISTS {REFRESH}(bigint[]);"


def work_item_maps_refresh_keys(*, keys: list[str], cursor) -> None:
    """Recompute the rows of the current organization's work items with one of `keys` (whose
    stored delivery events changed)."""
    if keys:
        cursor.execute(f"SELECT {REFRESH}(ARRAY(SELECT id FROM {ITEMS} "
                       "WHERE organization_id = %s AND key = ANY(%s)))", [require_org_id(), keys])


def work_item_maps_rebuild(*, cursor=None) -> None:
    """Recompute the row of every work item of the current organization (what the triggers and
    the derivation keep up to date; the migration fills existing data with it)."""
    if cursor is None:
        with connection.cursor() as own:
            return work_item_maps_rebuild(cursor=own)
    cursor.execute(f"SELECT {REFRESH}(ARRAY(SELECT id FROM {ITEMS} "
                   "WHERE organization_id = %s))", [require_org_id()])
    return None
