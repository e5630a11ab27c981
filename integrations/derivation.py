"""What the metrics read, derived from the normalized records of one service (METRICS.md):

- ``Commit.first_production_deployment``: the first production deployment containing the commit;
- ``Incident.attributed_deployment`` and ``Incident.attribution``: the one deployment an incident
  is blamed on, and the rule that did it.

Both are recomputed for the whole service in a few set-based statements (a service holds
thousands of rows, not millions), so late or out-of-order records can never leave a stale link.
``since`` says from when records changed; it narrows what listeners (the analytics rollups)
refresh. Everything is idempotent: running it twice changes nothing the second time.

Analytics sits downstream of integrations, so this module never imports it: it sends
``delivery_derived`` with the deployments whose derived facts may have changed, and the
analytics app refreshes its rollups from that.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.dispatch import Signal

from integrations.delivery_rules import DELIVERY_PARAMS, live_production_sql
from integrations.models import Commit, DeliverySettings, Deployment, DeploymentCommit, Incident
from vsm.tenancy.context import require_org_id

# Sent inside the transaction of delivery_derive with organization_id, service_id, since and
# deployment_ids: deployments finished before ``since`` whose derived facts changed (deployments
# finished from ``since`` on are all considered changed; with since=None, the whole service).
delivery_derived = Signal()

DEPLOYMENTS = Deployment._meta.db_table
COMMITS = Commit._meta.db_table
DEPLOYMENT_COMMITS = DeploymentCommit._meta.db_table
INCIDENTS = Incident._meta.db_table


# Production deployments that reached production, in the order METRICS.md dates them.
_PRODUCTION = f"""
    SELECT d.id, d.finished_at, d.commit_sha,
           lag(d.commit_sha) OVER (ORDER BY d.finished_at, d.id) AS previous_sha,
           row_number() OVER (ORDER BY d.finished_at, d.id) AS position
      FROM {DEPLOYMENTS} d
     WHERE d.organization_id = %(org)s AND d.service_id = %(service)s AND {live_production_sql("d")}
"""

# Which commits each production deployment contains, in METRICS.md's order of preference:
# the commits it lists; else the commits after the previous production deployment's commit up
# to and including its own, by committed_at (all known commits up to its own for the service's
# first production deployment); else its own commit alone. The range needs both ends dated: when
# the previous deployment's commit or its own commit time is unknown, the deployment falls back
# to its own commit alone rather than guessing how far back it reaches.
_FIRST_PRODUCTION = f"""
WITH production AS MATERIALIZED ({_PRODUCTION}),
listed AS (
    SELECT dc.deployment_id, dc.commit_id
      FROM {DEPLOYMENT_COMMITS} dc
      JOIN production p ON p.id = dc.deployment_id
      JOIN {COMMITS} c ON c.id = dc.commit_id AND c.service_id = %(service)s
),
unlisted AS (
    SELECT p.* FROM production p
     WHERE NOT EXISTS (SELECT 1 FROM {DEPLOYMENT_COMMITS} dc WHERE dc.deployment_id = p.id)
),
deployed AS MATERIALIZED (
    SELECT u.id AS deployment_id, u.position, own.id AS commit_id, own.committed_at AS upper,
           CASE WHEN u.position = 1 THEN '-infinity'::timestamptz ELSE prev.committed_at END AS lower
      FROM unlisted u
      JOIN {COMMITS} own ON own.organization_id = %(org)s AND own.service_id = %(service)s AND own.sha = u.commit_sha
      LEFT JOIN {COMMITS} prev ON prev.organization_id = %(org)s AND prev.service_id = %(service)s
                              AND prev.sha = u.previous_sha
),
ranged AS (
    -- A correlated subquery, not a join: PostgreSQL never moves a join clause into an index scan
    -- of a table under row-level security, but a subquery's outer values are plain parameters.
    SELECT dp.deployment_id, unnest(ARRAY(
               SELECT c.id FROM {COMMITS} c
                WHERE c.organization_id = %(org)s AND c.service_id = %(service)s
                  AND c.committed_at <= dp.upper AND c.committed_at > dp.lower)) AS commit_id
      FROM deployed dp WHERE dp.upper IS NOT NULL AND dp.lower IS NOT NULL
),
containing AS (
    SELECT deployment_id, commit_id FROM listed
    UNION SELECT deployment_id, commit_id FROM ranged
    UNION SELECT deployment_id, commit_id FROM deployed
),
first AS (
    SELECT DISTINCT ON (ct.commit_id) ct.commit_id, ct.deployment_id
      FROM containing ct JOIN production p ON p.id = ct.deployment_id
     ORDER BY ct.commit_id, p.finished_at, p.id
),
changed AS (
    SELECT c.id, c.first_production_deployment_id AS before, f.deployment_id AS after
      FROM {COMMITS} c LEFT JOIN first f ON f.commit_id = c.id
     WHERE c.organization_id = %(org)s AND c.service_id = %(service)s
       AND c.first_production_deployment_id IS DISTINCT FROM f.deployment_id
)
UPDATE {COMMITS} c SET first_production_deployment_id = changed.after
  FROM changed WHERE c.id = changed.id AND c.organization_id = %(org)s AND c.service_id = %(service)s
RETURNING changed.before, changed.after
"""

# METRICS.md's four attribution rules, first match wins. A named commit or version that no
# production deployment carried falls through to the next rule.
_ATTRIBUTION = f"""
WITH timeline AS (
    SELECT d.finished_at AS at, 1 AS tie, d.id AS deployment_id, NULL::bigint AS incident_id FROM {DEPLOYMENTS} d
     WHERE d.organization_id = %(org)s AND d.service_id = %(service)s AND {live_production_sql("d")}
    UNION ALL
    SELECT i.opened_at, 0, NULL, i.id FROM {INCIDENTS} i
     WHERE i.organization_id = %(org)s AND i.service_id = %(service)s AND i.opened_at IS NOT NULL
),
latest AS (
    -- The last production deployment that finished strictly before each incident opened (an
    -- incident sorts before a deployment of the same instant): one pass over the service's
    -- timeline; the greatest [finished, id] pair so far, as the rule orders them.
    SELECT incident_id, last[1] AS finished_epoch, last[2]::bigint AS deployment_id
      FROM (SELECT incident_id,
                   max(CASE WHEN deployment_id IS NOT NULL
                            THEN ARRAY[extract(epoch FROM at), deployment_id::numeric] END)
                       OVER (ORDER BY at, tie ROWS UNBOUNDED PRECEDING) AS last
              FROM timeline) t
     WHERE incident_id IS NOT NULL
),
candidates AS MATERIALIZED (
    -- Correlated subqueries rather than lateral joins, so each is an index lookup (see ranged).
    SELECT i.id, i.caused_by_deployment_id AS named,
           CASE WHEN i.caused_by_commit_sha <> '' THEN (
               SELECT c.first_production_deployment_id FROM {COMMITS} c
                WHERE c.organization_id = %(org)s AND c.service_id = %(service)s
                  AND c.sha = i.caused_by_commit_sha) END AS by_commit,
           CASE WHEN i.caused_by_version <> '' THEN (
               SELECT d.id FROM {DEPLOYMENTS} d
                WHERE d.organization_id = %(org)s AND d.service_id = %(service)s
                  AND d.version = i.caused_by_version AND {live_production_sql("d")}
                ORDER BY d.finished_at, d.id LIMIT 1) END AS by_version,
           CASE WHEN %(by_time)s AND latest.finished_epoch >= extract(epoch FROM i.opened_at - %(window)s)
                THEN latest.deployment_id END AS by_time
      FROM {INCIDENTS} i LEFT JOIN latest ON latest.incident_id = i.id
     WHERE i.organization_id = %(org)s AND i.service_id = %(service)s
),
attributed AS (
    SELECT a.id,
           coalesce(a.named, a.by_commit, a.by_version, a.by_time) AS deployment_id,
           CASE WHEN a.named IS NOT NULL THEN 'caused_by_deployment'
                WHEN a.by_commit IS NOT NULL THEN 'caused_by_commit'
                WHEN a.by_version IS NOT NULL THEN 'caused_by_version'
                WHEN a.by_time IS NOT NULL THEN 'time_window'
                ELSE '' END AS rule
      FROM candidates a
    UNION ALL
    -- An incident without a service is attributed to none (rule 4), whoever derives.
    SELECT i.id, NULL, '' FROM {INCIDENTS} i
     WHERE i.organization_id = %(org)s AND i.service_id IS NULL
       AND (i.attributed_deployment_id IS NOT NULL OR i.attribution <> '')
),
changed AS (
    SELECT i.id, i.attributed_deployment_id AS before, a.deployment_id AS after, a.rule
      FROM {INCIDENTS} i JOIN attributed a ON a.id = i.id
     WHERE i.attributed_deployment_id IS DISTINCT FROM a.deployment_id OR i.attribution <> a.rule
)
UPDATE {INCIDENTS} i SET attributed_deployment_id = changed.after, attribution = changed.rule
  FROM changed WHERE i.id = changed.id AND i.organization_id = %(org)s
RETURNING changed.before, changed.after
"""

# Deployments finished before `since` whose recovery time may have moved: the last production
# deployment before `since` (a later deployment recovers a rollback), the deployments a rollback
# from `since` on names, and those blamed for incidents touched since then (resolved, reopened).
_TOUCHED_BEFORE_SINCE = f"""
(SELECT d.id FROM {DEPLOYMENTS} d
  WHERE d.organization_id = %(org)s AND d.service_id = %(service)s AND {live_production_sql("d")}
    AND d.finished_at < %(since)s
  ORDER BY d.finished_at DESC, d.id DESC LIMIT 1)
UNION
SELECT r.rollback_of_id FROM {DEPLOYMENTS} r
 WHERE r.organization_id = %(org)s AND r.service_id = %(service)s AND r.rollback_of_id IS NOT NULL
   AND (r.finished_at >= %(since)s OR r.last_seen_at >= %(since)s)
UNION
SELECT i.attributed_deployment_id FROM {INCIDENTS} i
 WHERE i.organization_id = %(org)s AND i.service_id = %(service)s AND i.attributed_deployment_id IS NOT NULL
   AND (i.last_seen_at >= %(since)s OR i.opened_at >= %(since)s OR i.resolved_at >= %(since)s)
"""


def _service_lock(org_id: int, service_id: int) -> None:
    """Serialize derivations of one service, so two ingest tasks never interleave their writes."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [org_id, service_id])


def _changed(sql: str, params: dict) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {deployment_id for row in cursor.fetchall() for deployment_id in row if deployment_id is not None}


@transaction.atomic
def delivery_derive(*, service_id: int, since: datetime | None = None) -> None:
    """Re-derive first production deployments and incident attributions of one service of the
    current organization, then let listeners refresh what depends on them. ``since``: the
    earliest time (deployment finished, incident opened or updated) that changed, or None when
    unknown; a caller that passes a too-late ``since`` gets correct links but may leave older
    rollup days stale until the next full derivation."""
    org_id = require_org_id()
    _service_lock(org_id, service_id)
    with connection.cursor() as cursor:
        # These statements read a few thousand rows by index; JIT compiling them costs more.
        cursor.execute("SET LOCAL jit = off")
    settings = DeliverySettings.objects.first() or DeliverySettings()
    params = {**DELIVERY_PARAMS, "org": org_id, "service": service_id, "since": since,
              "by_time": settings.attribute_incidents_by_time,
              "window": timedelta(hours=settings.incident_attribution_hours)}
    # Commits first: attribution by a named commit reads their first production deployment.
    changed = _changed(_FIRST_PRODUCTION, params)
    changed |= _changed(_ATTRIBUTION, params)
    if since is not None:
        changed |= _changed(_TOUCHED_BEFORE_SINCE, params)
    delivery_derived.send(sender=delivery_derive, organization_id=org_id, service_id=service_id, since=since,
                          deployment_ids=frozenset(changed))


def service_ids_with_delivery() -> list[int]:
    """Every service of the current organization that has deployments or incidents."""
    deployments = Deployment.objects.values_list("service_id", flat=True).distinct()
    incidents = Incident.objects.exclude(service=None).values_list("service_id", flat=True).distinct()
    return sorted(set(deployments) | set(incidents))


def attribution_settings_changed() -> None:
    """Re-derive every service of the current organization: the attribution window or the
    by-time switch changed, so any incident may now belong to another deployment. Call it
    from the service that saves DeliverySettings (or queue ``delivery_derive_all``)."""
    for service_id in service_ids_with_delivery():
        delivery_derive(service_id=service_id)
