"""The SQL behind the value stream map: for every work item of the window and scope, the instant
of each event (analytics.streammap.events), the intervals it spent waiting, and per stage its hours
from start to end event with the waiting part of them. PostgreSQL does all of it in one
statement; analytics.streammap.selectors aggregates it, the drill-down pages through it.

How an item's events are found (docs/analytics.md, "Value stream map"):

- work_created, work_started, work_done: the item's creation, its flow start (first entry into
  an in-progress status, else the tracker's start) and its done time (analytics.flow.scope).
- pr_opened, pr_first_review: the earliest of the pull requests naming the item's key (open or
  merged ones; a pull request closed without merging was abandoned).
- pr_merged, first_test_deploy, production_deploy: when the last of those pull requests got
  there, so an item counts as merged (tested, in production) only once all its changes are.
  A pull request's change is its merge commit (service, sha); its first test deployment is the
  first successful deployment of that service to a non-production environment listing that
  commit (or naming it as the deployed commit); its production deployment is the commit's first
  production deployment (the DORA derivation's).
- gate_passed: the item's fix versions name releases (of its value stream, or of none); the
  latest moment such a release advanced through a phase gate (an entry gate when its phase
  started, an exit gate when its phase ended) not after the item reached production.

Waiting intervals, merged so overlapping ones count once: time in a tracker status marked
waiting; a pull request open before its first review (until merged when never reviewed); a
merged change queued before its first test deployment started; a change whose release gate
passed, queued before its production deployment started. The rest of a stage is active.
"""

from __future__ import annotations

from django.db.models import F
from django.db.models.functions import Coalesce

from analytics.flow.scope import work_items
from analytics.streammap.events import EVENTS, Stage
from integrations.delivery_rules import DELIVERY_PARAMS, live_sql
from integrations.models import Commit, Deployment, DeploymentCommit, PullRequest, WorkItemTransition
from releases.models import Phase, Release
from vsm.tenancy.context import require_org_id


def _table(model) -> str:
    return model._meta.db_table


def _event(column: str) -> str:
    """The instant of the event named in `column` (a stage's start_event or end_event)."""
    cases = " ".join(f"WHEN '{name}' THEN e.{name}" for name in EVENTS)
    return f"(CASE {column} {cases} END)"


_MEASURED = """
WITH named AS MATERIALIZED (
    -- Each pull request that counts (open or merged) once per key it names: a hash join on the
    -- key below, where matching every item against every pull request's array grew with both.
    SELECT DISTINCT pr.id, named.key FROM {pull_request} pr CROSS JOIN LATERAL unnest(pr.work_item_keys) AS named(key)
    WHERE pr.organization_id = %(org)s AND (pr.merged_at IS NOT NULL OR pr.closed_at IS NULL)
),
items AS MATERIALIZED (
    -- Only the items that can be in the window: done in it (the stored done time, by index), or
    -- named by a pull request whose merge commit first reached production in it.
    -- named by a pull request whose merge commit first reached production in it (from the
    -- window's production deployments, by index, to their commits and those commits' pull requests).
    SELECT * FROM ({items}) scoped
    WHERE (scoped.done_at >= %(start)s AND scoped.done_at < %(end)s) OR scoped.key IN (
        SELECT named.key FROM {deployment} prod
        JOIN {commit} c ON c.first_production_deployment_id = prod.id AND c.organization_id = %(org)s
        JOIN {pull_request} pr ON pr.organization_id = %(org)s AND pr.service_id = c.service_id
             AND pr.merge_commit_sha = c.sha AND pr.merge_commit_sha <> ''
        JOIN named ON named.id = pr.id
        WHERE prod.organization_id = %(org)s AND prod.is_production
          AND prod.finished_at >= %(start)s AND prod.finished_at < %(end)s)
),
prs AS (
    SELECT i.id AS item_id, pr.opened_at, pr.first_review_at, pr.merged_at,
           test.started_at AS test_started, test.finished_at AS test_at,
           prod.started_at AS prod_started, prod.finished_at AS prod_at
    FROM items i
    JOIN named ON named.key = i.key
    JOIN {pull_request} pr ON pr.id = named.id
    LEFT JOIN {commit} c ON c.organization_id = %(org)s AND c.service_id = pr.service_id
         AND c.sha = pr.merge_commit_sha AND pr.merge_commit_sha <> ''
    LEFT JOIN LATERAL (
        -- The deployments that name the merge commit, by index: those whose own commit it is
        -- (deployment_service_sha) and those listing it (the commit's deployment_commit rows).
        SELECT d.started_at, d.finished_at FROM (
            SELECT d.* FROM {deployment} d
            WHERE d.organization_id = %(org)s AND d.service_id = pr.service_id AND d.commit_sha <> ''
              AND d.commit_sha = pr.merge_commit_sha
            UNION ALL
            SELECT d.* FROM {deployment_commit} dc JOIN {deployment} d ON d.id = dc.deployment_id
            WHERE dc.commit_id = c.id AND d.organization_id = %(org)s AND d.service_id = pr.service_id
        ) d
        WHERE NOT d.is_production AND {live}
          AND pr.merge_commit_sha <> ''
        ORDER BY d.finished_at, d.id LIMIT 1
    ) test ON TRUE
    LEFT JOIN {deployment} prod ON prod.id = c.first_production_deployment_id
),
pr_events AS (
    SELECT item_id, MIN(opened_at) AS pr_opened, MIN(first_review_at) AS pr_first_review,
           CASE WHEN COUNT(merged_at) = COUNT(*) THEN MAX(merged_at) END AS pr_merged,
           CASE WHEN COUNT(test_at) = COUNT(*) THEN MAX(test_at) END AS first_test_deploy,
           CASE WHEN COUNT(prod_at) = COUNT(*) THEN MAX(prod_at) END AS production_deploy
    FROM prs GROUP BY item_id
),
gates AS (
    SELECT i.id AS item_id, MAX(passage.at) AS gate_passed
    FROM items i
    LEFT JOIN pr_events pe ON pe.item_id = i.id
    JOIN {release} r ON r.organization_id = %(org)s AND r.version = ANY(i.fix_versions)
         AND (r.value_stream_id IS NULL OR i.stream_id IS NULL OR r.value_stream_id = i.stream_id)
    JOIN {phase} p ON p.release_id = r.id
    CROSS JOIN LATERAL (VALUES (CASE WHEN p.entry_gate_id IS NOT NULL THEN p.actual_start END),
                               (CASE WHEN p.exit_gate_id IS NOT NULL THEN p.actual_end END)) AS passage(at)
    WHERE passage.at IS NOT NULL AND passage.at <= COALESCE(pe.production_deploy, 'infinity')
    GROUP BY i.id
),
e AS (
    SELECT i.id, i.key, i.title, i.url, i.created_at AS work_created, i.work_started, pe.pr_opened,
           pe.pr_first_review, pe.pr_merged, pe.first_test_deploy, g.gate_passed, pe.production_deploy,
           i.done_at AS work_done
    FROM items i LEFT JOIN pr_events pe ON pe.item_id = i.id LEFT JOIN gates g ON g.item_id = i.id
    WHERE (i.done_at >= %(start)s AND i.done_at < %(end)s)
       OR (pe.production_deploy >= %(start)s AND pe.production_deploy < %(end)s)
),
statuses AS (
    SELECT t.work_item_id AS item_id, t.at, t.to_waiting,
           COALESCE(LEAD(t.at) OVER (PARTITION BY t.work_item_id ORDER BY t.at, t.id), 'infinity') AS until
    FROM {transition} t JOIN e ON e.id = t.work_item_id WHERE t.organization_id = %(org)s
),
waits AS (
    SELECT item_id, tstzrange(at, until) AS span FROM statuses WHERE to_waiting AND until > at
    UNION ALL
    SELECT item_id, tstzrange(opened_at, COALESCE(first_review_at, merged_at, 'infinity')) FROM prs
    WHERE opened_at < COALESCE(first_review_at, merged_at, 'infinity')
    UNION ALL
    SELECT item_id, tstzrange(merged_at, test_started) FROM prs WHERE merged_at < test_started
    UNION ALL
    SELECT prs.item_id, tstzrange(e.gate_passed, prs.prod_started) FROM prs JOIN e ON e.id = prs.item_id
    WHERE e.gate_passed < prs.prod_started
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
        items=items_sql, pull_request=_table(PullRequest), commit=_table(Commit), deployment=_table(Deployment),
        deployment_commit=_table(DeploymentCommit), release=_table(Release), phase=_table(Phase),
        transition=_table(WorkItemTransition), live=live_sql("d"), start=_event("s.start_event"),
        end=_event("s.end_event"))
    params = {
        **{f"item_{n}": value for n, value in enumerate(items_params)},
        **DELIVERY_PARAMS, "org": require_org_id(), "start": query.start, "end": query.end,
        "positions": list(range(len(rows))), "starts": [s.start_event for s in rows],
        "ends": [s.end_event for s in rows], **extra,
    }
    return sql + tail, params
