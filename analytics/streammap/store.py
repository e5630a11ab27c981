"""The stored delivery events of work item keys (analytics.WorkKeyDelivery), written by the
derivation: ``delivery_derive`` sends ``delivery_derived`` for one service, and the receiver here
recomputes, in the same transaction, the keys that service's pull requests name and whose events
may have moved (docs/analytics.md, "Value stream map").

How each event is found (the rules the map states; analytics.streammap.sql reads the rows):

- pr_opened, pr_first_review: the earliest of the pull requests naming the key (open or merged
  ones; a pull request closed without merging was abandoned).
- pr_merged, first_test_deploy, production_deploy: when the last of those pull requests got
  there, so a key counts as merged (tested, in production) only once all its changes are. A pull
  request's change is its merge commit (service, sha); its first test deployment is the first
  successful deployment of that service to a non-production environment listing that commit (or
  naming it as the deployed commit); its production deployment is the commit's first production
  deployment (the DORA derivation's, written just before this runs).
- production_started: the latest start of those production deployments (the end of the queue
  after a release gate, which the map adds when it knows the gate).
- waiting: a pull request open before its first review (until merged when never reviewed) and a
  merged change queued before its first test deployment started, merged where they overlap.

Which keys a derivation of a service from ``since`` recomputes: every key its pull requests name
when ``since`` is None; else those of its pull requests that changed from ``since`` on (opened,
reviewed, merged, closed, or their merge commit committed), and those whose stored row is missing,
incomplete (no test or production deployment yet) or has either deployment from ``since`` on. A
deployment or commit that changed is dated from ``since`` on, so it can only move those events.
Every time, the keys its pull requests stopped naming (an edit; ingest keeps them in
``work_item_keys_dropped`` until this has run). A key no pull request names any more loses its
row. The work items of the keys whose row changed get their value stream map row recomputed
(analytics.streammap.items).
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.dispatch import receiver

from analytics.models import WorkKeyDelivery
from analytics.streammap.items import work_item_maps_refresh_keys
from integrations.delivery_rules import DELIVERY_PARAMS, live_sql
from integrations.derivation import delivery_derived
from integrations.models import Commit, Deployment, DeploymentCommit, PullRequest
from vsm.tenancy.context import require_org_id

STORED, PULL_REQUESTS, COMMITS, DEPLOYMENTS, DEPLOYMENT_COMMITS = (
    model._meta.db_table for model in (WorkKeyDelivery, PullRequest, Commit, Deployment, DeploymentCommit))

_SERVICE_PRS = "pr.organization_id = %(org)s AND (%(service)s::bigint IS NULL OR pr.service_id = %(service)s)"

_REFRESH = f"""
WITH keys AS MATERIALIZED (
    SELECT named.key FROM {PULL_REQUESTS} pr CROSS JOIN LATERAL unnest(pr.work_item_keys) AS named(key)
    LEFT JOIN {COMMITS} c ON c.organization_id = %(org)s AND c.service_id = pr.service_id
         AND c.sha = pr.merge_commit_sha AND pr.merge_commit_sha <> ''
    LEFT JOIN {STORED} ev ON ev.organization_id = %(org)s AND ev.key = named.key
    WHERE {_SERVICE_PRS}
      AND (%(since)s::timestamptz IS NULL OR ev.id IS NULL OR ev.first_test_deploy IS NULL
           OR ev.production_deploy IS NULL
           OR GREATEST(pr.opened_at, pr.first_review_at, pr.merged_at, pr.closed_at, c.committed_at,
                       ev.first_test_deploy, ev.production_deploy) >= %(since)s)
    UNION
    -- The keys the pull requests stopped naming, whenever that was (ingest keeps them).
    SELECT dropped.key FROM {PULL_REQUESTS} pr CROSS JOIN LATERAL unnest(pr.work_item_keys_dropped) AS dropped(key)
    WHERE {_SERVICE_PRS} AND pr.work_item_keys_dropped <> '{{}}'
),
handed AS (
    -- Those keys are recomputed now: each pull request forgets them (only them, should an edit
    -- committed meanwhile have dropped more).
    UPDATE {PULL_REQUESTS} pr
       SET work_item_keys_dropped = ARRAY(SELECT unnest(pr.work_item_keys_dropped) EXCEPT SELECT key FROM keys)
     WHERE {_SERVICE_PRS} AND pr.work_item_keys_dropped <> '{{}}'
),
pr AS MATERIALIZED (
    -- Every pull request that counts (open or merged) naming one of the keys, whatever its service,
    -- once per key: the organization's keys unnested and hashed (an overlap test of each key array
    -- against the keys compared every pair, seconds for a thousand keys).
    SELECT DISTINCT named.key, pr.id, pr.service_id, pr.opened_at, pr.first_review_at, pr.merged_at,
           pr.merge_commit_sha
    FROM {PULL_REQUESTS} pr CROSS JOIN LATERAL unnest(pr.work_item_keys) AS named(key)
    WHERE pr.organization_id = %(org)s AND (pr.merged_at IS NOT NULL OR pr.closed_at IS NULL)
      AND named.key IN (SELECT key FROM keys)
),
prs AS MATERIALIZED (
    SELECT pr.key, pr.opened_at, pr.first_review_at, pr.merged_at,
           test.started_at AS test_started, test.finished_at AS test_at,
           prod.started_at AS prod_started, prod.finished_at AS prod_at
    FROM pr
    LEFT JOIN {COMMITS} c ON c.organization_id = %(org)s AND c.service_id = pr.service_id
         AND c.sha = pr.merge_commit_sha AND pr.merge_commit_sha <> ''
    LEFT JOIN LATERAL (
        -- The deployments that name the merge commit, by index: those whose own commit it is
        -- (deployment_service_sha) and those listing it (the commit's deployment_commit rows).
        SELECT d.started_at, d.finished_at FROM (
            SELECT d.* FROM {DEPLOYMENTS} d
            WHERE d.organization_id = %(org)s AND d.service_id = pr.service_id AND d.commit_sha <> ''
              AND d.commit_sha = pr.merge_commit_sha
            UNION ALL
            SELECT d.* FROM {DEPLOYMENT_COMMITS} dc JOIN {DEPLOYMENTS} d ON d.id = dc.deployment_id
            WHERE dc.commit_id = c.id AND d.organization_id = %(org)s AND d.service_id = pr.service_id
        ) d
        WHERE NOT d.is_production AND {live_sql("d")}
          AND pr.merge_commit_sha <> ''
        ORDER BY d.finished_at, d.id LIMIT 1
    ) test ON TRUE
    LEFT JOIN {DEPLOYMENTS} prod ON prod.id = c.first_production_deployment_id
),
waits AS (
    SELECT key, range_agg(span) AS spans FROM (
        SELECT key, tstzrange(opened_at, COALESCE(first_review_at, merged_at, 'infinity')) AS span FROM prs
        WHERE opened_at < COALESCE(first_review_at, merged_at, 'infinity')
        UNION ALL
        SELECT key, tstzrange(merged_at, test_started) FROM prs WHERE merged_at < test_started
    ) spans GROUP BY key
),
computed AS (
    SELECT prs.key, MIN(opened_at) AS pr_opened, MIN(first_review_at) AS pr_first_review,
           CASE WHEN COUNT(merged_at) = COUNT(*) THEN MAX(merged_at) END AS pr_merged,
           CASE WHEN COUNT(test_at) = COUNT(*) THEN MAX(test_at) END AS first_test_deploy,
           CASE WHEN COUNT(prod_at) = COUNT(*) THEN MAX(prod_at) END AS production_deploy,
           MAX(prod_started) AS production_started
    FROM prs GROUP BY prs.key
),
gone AS (
    DELETE FROM {STORED} ev WHERE ev.organization_id = %(org)s AND ev.key IN (SELECT key FROM keys)
       AND ev.key NOT IN (SELECT key FROM computed)
    RETURNING ev.key
),
written AS (
INSERT INTO {STORED} AS ev (organization_id, key, pr_opened, pr_first_review, pr_merged, first_test_deploy,
                            production_deploy, production_started, waiting)
SELECT %(org)s, c.key, c.pr_opened, c.pr_first_review, c.pr_merged, c.first_test_deploy, c.production_deploy,
       c.production_started, COALESCE(ARRAY(SELECT unnest(w.spans)), '{{}}')
FROM computed c LEFT JOIN waits w ON w.key = c.key
ON CONFLICT (organization_id, key) DO UPDATE SET
       pr_opened = excluded.pr_opened, pr_first_review = excluded.pr_first_review, pr_merged = excluded.pr_merged,
       first_test_deploy = excluded.first_test_deploy, production_deploy = excluded.production_deploy,
       production_started = excluded.production_started, waiting = excluded.waiting
 WHERE (ev.pr_opened, ev.pr_first_review, ev.pr_merged, ev.first_test_deploy, ev.production_deploy,
        ev.production_started, ev.waiting) IS DISTINCT FROM
       (excluded.pr_opened, excluded.pr_first_review, excluded.pr_merged, excluded.first_test_deploy,
        excluded.production_deploy, excluded.production_started, excluded.waiting)
RETURNING ev.key
)
-- The keys whose row changed: their work items' map rows are recomputed next (analytics.streammap.items).
SELECT key FROM gone UNION ALL SELECT key FROM written
"""


def work_key_deliveries_refresh(*, service_id: int | None, since: datetime | None, cursor=None) -> list[str]:
    """Recompute the stored rows of the keys named by `service_id`'s pull requests (every
    service's with None) whose events may have moved from `since` on (all of them with None).
    Returns the keys whose row changed."""
    if cursor is None:
        with connection.cursor() as own:
            return work_key_deliveries_refresh(service_id=service_id, since=since, cursor=own)
    cursor.execute(_REFRESH, {**DELIVERY_PARAMS, "org": require_org_id(), "service": service_id, "since": since})
    return [key for (key,) in cursor.fetchall()]


def map_deliveries_refresh(*, service_id: int, since: datetime | None) -> None:
    """What a derivation of `service_id` from `since` adds for the map: the keys' delivery events,
    then the map rows of the work items whose key's events changed."""
    with connection.cursor() as cursor:
        keys = work_key_deliveries_refresh(service_id=service_id, since=since, cursor=cursor)
        work_item_maps_refresh_keys(keys=keys, cursor=cursor)


@receiver(delivery_derived, dispatch_uid="analytics-streammap-key-deliveries")
def _on_delivery_derived(*, service_id: int, since: datetime | None, **kwargs) -> None:
    map_deliveries_refresh(service_id=service_id, since=since)
