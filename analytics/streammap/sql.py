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
before its production deployment started. The rest of a stage is active. The first two are
stored per item with the seconds waited before each event (analytics.streammap.items): a stage's
waiting time is the difference of two of them, unless the gate is involved (the gate as the
stage's event, or the gate's queue), where the stored intervals are intersected with the stage.
"""

from __future__ import annotations

from django.db.models import F
from django.db.models.functions import Coalesce

from analytics.flow.scope import work_items
from analytics.models import WorkItemMap, WorkKeyDelivery
from analytics.streammap.events import EVENT_ORDER, Stage
from analytics.streammap.items import STORED_EVENTS, instants_sql, seconds_inside
from releases.models import Phase, Release
from vsm.tenancy.context import require_org_id


def _table(model) -> str:
    return model._meta.db_table


_MEASURED = """
WITH items AS MATERIALIZED (
    -- Only the items that can be in the window: done in it (the stored done time, by index), or
    -- whose key's changes all reached production in it (the stored delivery events, by index).
    SELECT scoped.*, ev.pr_opened, ev.pr_first_review, ev.pr_merged, ev.first_test_deploy, ev.production_deploy,
           ev.production_started
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
           i.done_at AS work_done, i.production_started, m.waited, m.waiting,
           -- Queued after the release gate until the last of the production deployments started
           -- (each pull request's queue starts at the gate, so together they reach the latest start).
           CASE WHEN g.gate_passed < i.production_started
                THEN tstzrange(g.gate_passed, i.production_started) END AS gate_queue,
           -- Every event's instant, in the order of the stages' slots.
           {at} AS at,
           -- The stored seconds waited hold while they were taken at the item's instants of now.
           m.instants IS NOT DISTINCT FROM {instants} AS stored_hold
    FROM items i LEFT JOIN gates g ON g.item_id = i.id LEFT JOIN {maps} m ON m.work_item_id = i.id
    WHERE (i.done_at >= %(start)s AND i.done_at < %(end)s)
       OR (i.production_deploy >= %(start)s AND i.production_deploy < %(end)s)
),
stages AS (SELECT * FROM UNNEST(%(positions)s::int[], %(start_slots)s::int[], %(end_slots)s::int[])
           AS s(pos, start_slot, end_slot)),
spans AS (
    SELECT s.pos, e.id AS item_id, e.key, e.title, e.url, e.at[s.start_slot] AS started, e.at[s.end_slot] AS ended,
           CASE WHEN e.stored_hold AND e.gate_queue IS NULL
                THEN e.waited[s.end_slot] - e.waited[s.start_slot] END AS waited,
           e.waiting AS waits, e.gate_queue
    FROM e CROSS JOIN stages s
),
measured AS (
    -- The waiting hours as a lateral join, computed once per row (as a subquery in the select list
    -- it was computed again for every aggregate that reads it; OFFSET 0 keeps it a subquery): the
    -- difference of the stored seconds, else (a gate's queue, or the gate as a stage's event)
    -- the stored intervals, with the gate's queue, intersected with the stage.
    SELECT spans.pos, spans.item_id, spans.key, spans.title, spans.url, spans.started, spans.ended,
           inside.hours, inside.waiting
    FROM spans CROSS JOIN LATERAL (
        SELECT EXTRACT(EPOCH FROM ended - started) / 3600.0 AS hours,
               COALESCE(spans.waited, {waited_inside}) / 3600.0 AS waiting OFFSET 0) inside
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
    # The item's instants of now, as the stored row lists them (analytics.streammap.items).
    now = {**{name: f"i.{name}" for name in STORED_EVENTS}, "work_created": "i.created_at", "work_done": "i.done_at"}
    sql = _MEASURED.format(
        items=items_sql, stored=_table(WorkKeyDelivery), release=_table(Release), phase=_table(Phase),
        maps=_table(WorkItemMap), instants=instants_sql(now), at=instants_sql({**now, "gate_passed": "g.gate_passed"}),
        waited_inside=seconds_inside(
            "(tstzmultirange(VARIADIC spans.waits) + COALESCE(tstzmultirange(spans.gate_queue), '{}'))",
            "tstzrange(started, ended)"))
    params = {
        **{f"item_{n}": value for n, value in enumerate(items_params)},
        "org": require_org_id(), "start": query.start, "end": query.end,
        "positions": list(range(len(rows))), "start_slots": [EVENT_ORDER[s.start_event] + 1 for s in rows],
        "end_slots": [EVENT_ORDER[s.end_event] + 1 for s in rows], **extra,
    }
    return sql + tail, params
