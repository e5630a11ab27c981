"""The SQL behind the value stream map: for every work item of the window and scope, the instant
of each event (analytics.streammap.events), the intervals it spent waiting, and per stage its hours
from start to end event with the waiting part of them. PostgreSQL does all of it in one
statement; analytics.streammap.selectors aggregates it, the drill-down pages through it.

How an item's events are found (docs/analytics.md, "Value stream map"):

- work_created, work_started, work_done: the item's creation, its flow start (first entry into
  an in-progress status, else the tracker's start) and its done time (analytics.flow.scope).
- pr_opened, pr_first_review, pr_merged, first_test_deploy, production_deploy: stored per work
  item key by the derivation (analytics.streammap.store says how each is found), read here by key.
- gate_passed: the item's fix versions name releases (of its value stream, or of none); the
  latest moment such a release advanced through a phase gate (an entry gate when its phase
  started, an exit gate when its phase ended) not after the item reached production.

Waiting intervals, merged so overlapping ones count once: time in a tracker status marked
waiting; the key's stored waits (a pull request open before its first review, a merged change
queued before its first test deployment started); a change whose release gate passed, queued
before its production deployment started. The rest of a stage is active.
"""

from __future__ import annotations

from django.db.models import F
from django.db.models.functions import Coalesce

from analytics.flow.scope import work_items
from analytics.models import WorkKeyDelivery
from analytics.streammap.events import EVENTS, Stage
from integrations.models import WorkItemTransition
from releases.models import Phase, Release
from vsm.tenancy.context import require_org_id


def _table(model) -> str:
    return model._meta.db_table


def _event(column: str) -> str:
    """The instant of the event named in `column` (a stage's start_event or end_event)."""
    cases = " ".join(f"WHEN '{name}' THEN e.{name}" for name in EVENTS)
    return f"(CASE {column} {cases} END)"


_MEASURED = """
WITH items AS MATERIALIZED (
    -- Only the items that can be in the window: done in it (the stored done time, by index), or
    -- whose key's changes all reached production in it (the stored delivery events, by index).
    SELECT scoped.*, ev.pr_opened, ev.pr_first_review, ev.pr_merged, ev.first_test_deploy, ev.production_deploy,
           ev.production_started, ev.waiting AS delivery_waiting
    FROM ({items}) scoped LEFT JOIN {stored} ev ON ev.organization_id = %(org)s AND ev.key = scoped.key
    WHERE (scoped.done_at >= %(start)s AND scoped.done_at < %(end)s) OR scoped.key IN (
        SELECT window_keys.key FROM {stored} window_keys
        WHERE window_keys.organization_id = %(org)s
          AND window_keys.production_deploy >= %(start)s AND window_keys.production_deploy < %(end)s)
),
gates AS (
    SELECT i.id AS item_id, MAX(passage.at) AS gate_passed
    FROM items i
    JOIN {release} r ON r.organization_id = %(org)s AND r.version = ANY(i.fix_versions)
         AND (r.value_stream_id IS NULL OR i.stream_id IS NULL OR r.value_stream_id = i.stream_id)
    JOIN {phase} p ON p.release_id = r.id
    CROSS JOIN LATERAL (VALUES (CASE WHEN p.entry_gate_id IS NOT NULL THEN p.actual_start END),
                               (CASE WHEN p.exit_gate_id IS NOT NULL THEN p.actual_end END)) AS passage(at)
    WHERE passage.at IS NOT NULL AND passage.at <= COALESCE(i.production_deploy, 'infinity')
    GROUP BY i.id
),
e AS (
    SELECT i.id, i.key, i.title, i.url, i.created_at AS work_created, i.work_started, i.pr_opened,
           i.pr_first_review, i.pr_merged, i.first_test_deploy, g.gate_passed, i.production_deploy,
           i.done_at AS work_done, i.production_started, i.delivery_waiting
    FROM items i LEFT JOIN gates g ON g.item_id = i.id
    WHERE (i.done_at >= %(start)s AND i.done_at < %(end)s)
       OR (i.production_deploy >= %(start)s AND i.production_deploy < %(end)s)
),
statuses AS (
    SELECT t.work_item_id AS item_id, t.at, t.to_waiting,
           COALESCE(LEAD(t.at) OVER (PARTITION BY t.work_item_id ORDER BY t.at, t.id), 'infinity') AS until
    FROM {transition} t JOIN e ON e.id = t.work_item_id WHERE t.organization_id = %(org)s
),
waits AS (
    SELECT item_id, tstzrange(at, until) AS span FROM statuses WHERE to_waiting AND until > at
    UNION ALL
    SELECT e.id, span FROM e CROSS JOIN LATERAL unnest(e.delivery_waiting) AS span
    UNION ALL
    -- Queued after the release gate until the last of the production deployments started (each
    -- pull request's queue starts at the gate, so together they reach the latest start).
    SELECT e.id, tstzrange(e.gate_passed, e.production_started) FROM e WHERE e.gate_passed < e.production_started
),
waiting AS (SELECT item_id, range_agg(span) AS spans FROM waits WHERE item_id IN (SELECT id FROM e) GROUP BY item_id),
stages AS (SELECT * FROM UNNEST(%(positions)s::int[], %(starts)s::text[], %(ends)s::text[])
           AS s(pos, start_event, end_event)),
spans AS (
    SELECT s.pos, e.id AS item_id, e.key, e.title, e.url, {start} AS started, {end} AS ended
    FROM e CROSS JOIN stages s
),
measured AS (
    -- The waiting hours as a lateral join, computed once per row: as a subquery in the select
    -- list it was computed again for every aggregate that reads it.
    SELECT spans.*, EXTRACT(EPOCH FROM ended - started) / 3600.0 AS hours, inside.waiting
    FROM spans LEFT JOIN waiting w ON w.item_id = spans.item_id
    CROSS JOIN LATERAL (
        SELECT COALESCE(SUM(EXTRACT(EPOCH FROM upper(part) - lower(part))), 0) / 3600.0 AS waiting
        FROM UNNEST(w.spans * tstzmultirange(tstzrange(started, ended))) AS part) inside
    WHERE started IS NOT NULL AND ended IS NOT NULL AND ended >= started
)
"""


def measured_sql(query, stages: list[Stage], tail: str, **extra) -> tuple[str, dict]:
    """The statement that measures every stage of `stages` plus the whole map (position
    len(stages): first stage's start event to the last stage's end event), followed by `tail`
    (what to select from `measured` and `e`), and its parameters."""
    items = work_items(query).annotate(
        work_started=Coalesce(F("first_in_progress"), F("started_at")),
        stream_id=Coalesce(F("value_stream_id"), F("service__value_stream_id")),
    ).values("id", "key", "title", "url", "created_at", "work_started", "done_at", "fix_versions", "stream_id")
    items_sql, items_params = items.query.sql_with_params()
    # The items' statement comes with positional parameters; the rest of ours are named.
    pieces = items_sql.split("%s")
    items_sql = pieces[0] + "".join(f"%(item_{n})s{piece}" for n, piece in enumerate(pieces[1:]))
    whole = Stage("Whole map", stages[0].start_event, stages[-1].end_event)
    rows = [*stages, whole]
    sql = _MEASURED.format(
        items=items_sql, stored=_table(WorkKeyDelivery), release=_table(Release), phase=_table(Phase),
        transition=_table(WorkItemTransition), start=_event("s.start_event"),
        end=_event("s.end_event"))
    params = {
        **{f"item_{n}": value for n, value in enumerate(items_params)},
        "org": require_org_id(), "start": query.start, "end": query.end,
        "positions": list(range(len(rows))), "starts": [s.start_event for s in rows],
        "ends": [s.end_event for s in rows], **extra,
    }
    return sql + tail, params
