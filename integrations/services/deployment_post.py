"""One deployment a CI job posts, written in one statement.

CI posts a deployment on every run, so the common post (a service and an environment Sluice
knows by slug or name, commits, no release, rollback target, pipeline run or change request to
look up) is written by one prepared SQL statement (vsm/prepared.py) instead of the dozen ORM
queries of ``records_ingest``: resolving the names, the upsert of the deployment and of its
commits, the links, pointing stored rollbacks at a deployment that arrives only now, the
derivation marker and the audit event (vsm/audit/statements.py). A post is thus one round trip,
atomic on its own without a transaction around it (BEGIN and COMMIT would be two more). The
rules are ``records_ingest``'s (docs/integrations.md, Ingestion): the key is (organization,
"api", no connection, external_id); an unknown value (None or empty) never overwrites a stored
one; a replay only writes ``last_seen_at``, counts as unchanged, marks nothing and writes no
audit event; a deployment whose commit list grew counts as updated. Concurrent posts of one key
meet on the unique keys (``ON CONFLICT``) instead of advisory locks.

Anything else (a service to create or match by repository, an unknown environment, a
reference to resolve) returns None and the caller takes the general path.

Tenancy: every table is filtered on the organization of the tenant context and row-level
security still applies to the statement.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from django.utils.text import slugify

from environments.models import Environment
from integrations.models import Commit, Deployment, DeploymentCommit, DerivationPending
from integrations.services._batch import known, merge
from integrations.services.derivation_marks import MARK_CONFLICT, derivation_queue
from vsm.audit.statements import event_insert_sql, event_params
from vsm.catalog.models import Service
from vsm.prepared import PreparedStatement
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import require_org_id

SOURCE = "api"
_SERVICES, _ENVIRONMENTS, _DEPLOYMENTS, _COMMITS, _DEPLOYMENT_COMMITS = (
    model._meta.db_table for model in (Service, Environment, Deployment, Commit, DeploymentCommit))
_FIELDS = Deployment._meta.concrete_fields
_COLUMNS = [f.column for f in _FIELDS]
_ATTNAMES = [f.attname for f in _FIELDS]
_EXTERNAL_ID_MAX = Commit._meta.get_field("external_id").max_length
# Text columns a post may state (None: not said, keep what is stored; '' when new).
_TEXT = ("url", "version", "commit_sha", "status_raw", "strategy", "triggered_by")
# Columns the post always states.
_STATED = {"service_id": "s.id", "environment_id": "e.id", "environment_name": "e.slug",
           "is_production": "e.is_production", "status": "%(status)s::text", "kind": "%(kind)s::text",
           "last_seen_at": "%(now)s::timestamptz"}
_CHANGE_FIELDS = [c for c in _COLUMNS if c not in ("id", "first_seen_at", "last_seen_at")]


def _insert_value(column: str) -> str:
    if column in _STATED:
        return _STATED[column]
    if column in _TEXT:
        return f"coalesce(%({column})s::text, '')"
    if column in ("started_at", "finished_at"):
        return f"%({column})s::timestamptz"
    fixed = {"organization_id": "%(org)s::bigint", "source": "%(source)s::text",
             "external_id": "%(external_id)s::text", "first_seen_at": "%(now)s::timestamptz"}
    if column in fixed:
        return fixed[column]
    return "NULL" if Deployment._meta.get_field(_ATTNAMES[_COLUMNS.index(column)]).null else "''"


def _update_value(column: str) -> str:
    if column in _STATED:
        return f"excluded.{column}"
    return f"coalesce(%({column})s::{'text' if column in _TEXT else 'timestamptz'}, d.{column})"


_UPDATED = [c for c in _COLUMNS if c in _STATED or c in _TEXT or c in ("started_at", "finished_at")]
_INSERTED = [c for c in _COLUMNS if c != "id"]
_COMMIT_TEXT = ("message", "author", "author_email", "url")
_COMMIT_FIELDS = ("authored_at", "committed_at", *_COMMIT_TEXT)


# Deployment.__str__, for the audit event's object_repr.
_REPR = ("dep.service_id::text || '@' || CASE WHEN dep.version <> '' THEN dep.version ELSE left(dep.commit_sha, 12) END"
         " || ' to ' || dep.environment_name")


def _row(alias: str, columns) -> str:
    return f"ROW({', '.join(f'{alias}.{c}' for c in columns)})"


_SQL = f"""
WITH s AS (
    SELECT id, slug FROM {_SERVICES}
    WHERE organization_id = %(org)s::bigint AND (lower(slug) = %(service)s::text OR lower(name) = %(service)s::text)
    ORDER BY lower(slug) = %(service)s::text DESC, id LIMIT 1
), e AS (
    SELECT id, slug, is_production FROM {_ENVIRONMENTS}
    WHERE organization_id = %(org)s::bigint AND (slug = ANY(%(environment_slugs)s::text[])
                                                 OR lower(name) = %(environment)s::text)
    ORDER BY slug = ANY(%(environment_slugs)s::text[]) DESC, id LIMIT 1
), old AS (
    SELECT * FROM {_DEPLOYMENTS}
    WHERE organization_id = %(org)s::bigint AND source = %(source)s::text AND connection_id IS NULL
      AND external_id = %(external_id)s::text
), dep AS (
    INSERT INTO {_DEPLOYMENTS} AS d ({", ".join(_INSERTED)})
    SELECT {", ".join(_insert_value(c) for c in _INSERTED)} FROM s, e
    ON CONFLICT ON CONSTRAINT deployment_unique_external DO UPDATE SET
        {", ".join(f"{c} = {_update_value(c)}" for c in _UPDATED)}
    RETURNING d.*, d.xmax::text = '0' AS created
), given AS (
    SELECT * FROM unnest(%(shas)s::text[], %(external_ids)s::text[], %(message)s::text[], %(author)s::text[],
                         %(author_email)s::text[], %(commit_url)s::text[], %(authored_at)s::timestamptz[],
                         %(committed_at)s::timestamptz[])
        AS g(sha, external_id, message, author, author_email, url, authored_at, committed_at)
), old_commit AS (
    SELECT c.* FROM {_COMMITS} c, s
    WHERE c.organization_id = %(org)s::bigint AND c.service_id = s.id AND c.sha = ANY(%(shas)s::text[])
), com AS (
    INSERT INTO {_COMMITS} AS c (organization_id, source, external_id, first_seen_at, last_seen_at,
                                          service_id, sha, authored_at, committed_at, {", ".join(_COMMIT_TEXT)})
    SELECT %(org)s::bigint, %(source)s::text, g.external_id, %(now)s::timestamptz, %(now)s::timestamptz, s.id, g.sha,
           g.authored_at, g.committed_at, {", ".join(f"coalesce(g.{c}, '')" for c in _COMMIT_TEXT)}
    FROM given g, s, e
    ON CONFLICT (organization_id, service_id, sha) DO UPDATE SET
        last_seen_at = excluded.last_seen_at,
        authored_at = coalesce(excluded.authored_at, c.authored_at),
        committed_at = coalesce(excluded.committed_at, c.committed_at),
        {", ".join(f"{c} = coalesce(nullif(excluded.{c}, ''), c.{c})" for c in _COMMIT_TEXT)}
    RETURNING c.id, c.sha, c.authored_at, c.committed_at, c.message, c.author, c.author_email, c.url
), link AS (
    INSERT INTO {_DEPLOYMENT_COMMITS} (organization_id, deployment_id, commit_id)
    SELECT %(org)s::bigint, dep.id, com.id FROM dep, com
    ON CONFLICT DO NOTHING RETURNING commit_id
), rollback AS (
    UPDATE {_DEPLOYMENTS} r SET rollback_of_id = dep.id FROM dep
    WHERE dep.created AND r.organization_id = %(org)s::bigint AND r.source = %(source)s::text
      AND r.connection_id IS NULL AND r.rollback_of_id IS NULL AND r.rollback_of_external_id = dep.external_id
      AND r.rollback_of_external_id <> '' -- the condition of the partial index deployment_rollback_target
      AND r.id <> dep.id
    RETURNING r.id
), state AS (
    SELECT dep.created,
           dep.created OR {_row("dep", _CHANGE_FIELDS)} IS DISTINCT FROM {_row("old", _CHANGE_FIELDS)}
           OR EXISTS (SELECT 1 FROM link) AS changed,
           least(dep.started_at, dep.finished_at, old.started_at, old.finished_at) AS since,
           dep.started_at IS NULL AND dep.finished_at IS NULL AND old.started_at IS NULL
               AND old.finished_at IS NULL AS since_start
    FROM dep LEFT JOIN old ON true
), marks AS (
    SELECT since, since_start FROM state WHERE changed
    UNION ALL
    SELECT least(com.committed_at, com.authored_at, o.committed_at, o.authored_at),
           com.committed_at IS NULL AND com.authored_at IS NULL AND o.committed_at IS NULL AND o.authored_at IS NULL
    FROM com LEFT JOIN old_commit o ON o.id = com.id
    WHERE o.id IS NULL OR {_row("com", _COMMIT_FIELDS)} IS DISTINCT FROM {_row("o", _COMMIT_FIELDS)}
), mark AS (
    INSERT INTO {DerivationPending._meta.db_table} AS pending (organization_id, service_id, since, marked_at)
    SELECT %(org)s::bigint, s.id, CASE WHEN bool_or(since_start) THEN NULL ELSE min(since) END, %(now)s::timestamptz
    FROM marks, s GROUP BY s.id
    {MARK_CONFLICT}
), audit AS (
    {event_insert_sql(model=Deployment, alias="dep", source="dep, state WHERE state.changed",
                      action="CASE WHEN state.created THEN 'deployment.recorded' ELSE 'deployment.updated' END",
                      object_repr=_REPR)}
)
SELECT {", ".join(f"dep.{c}" for c in _COLUMNS)}, state.created, state.changed, s.slug, e.slug,
       (SELECT array_agg(sha ORDER BY committed_at DESC NULLS FIRST, id DESC) FROM (
            SELECT id, sha, committed_at FROM com
            UNION ALL
            SELECT c.id, c.sha, c.committed_at FROM {_DEPLOYMENT_COMMITS} dc
            JOIN {_COMMITS} c ON c.id = dc.commit_id
            WHERE dc.organization_id = %(org)s::bigint AND dc.deployment_id = (SELECT id FROM dep)
              AND c.id NOT IN (SELECT id FROM com)) AS listed),
       (SELECT service_id FROM mark WHERE fresh)
FROM dep, state, s, e
"""

_STATEMENT = PreparedStatement("deployment_post", _SQL)


@dataclass(frozen=True)
class Posted:
    deployment: Deployment  # with its service, environment and commits loaded (slugs and shas)
    created: bool
    changed: bool


def _simple(record) -> bool:
    """Whether the statement can write ``record`` (an ApiDeployment): nothing to look up."""
    return not (record.release or record.release_id or record.rollback_of or record.rollback_of_id
                or record.pipeline_run_external_id or record.change_request) and all(
        len(c.external_id) <= _EXTERNAL_ID_MAX for c in record.commits)


def _commit_params(record) -> dict:
    rows: dict[str, dict] = {}
    for commit in record.commits:
        merge(rows, commit.sha, {"external_id": commit.external_id, **known(
            message=commit.message, author=commit.author, author_email=commit.author_email, url=commit.url,
            authored_at=commit.authored_at, committed_at=commit.committed_at)})
    names = ("external_id", *_COMMIT_TEXT, "authored_at", "committed_at")
    params = {name: [row.get(name) for row in rows.values()] for name in names}
    params["commit_url"] = params.pop("url")
    params["external_ids"] = params.pop("external_id")
    return {"shas": list(rows), **params}


def deployment_post(*, record, actor: Actor) -> Posted | None:
    """Write ``record`` (an ApiDeployment) and its audit event (``actor``'s, when the post changed
    anything) in one statement, or return None without writing anything when it needs the
    general path. Outside a transaction the statement is one on its own: the caller needs none."""
    if not _simple(record):
        return None
    service = record.service.strip().lower()
    environment = record.environment.strip().lower()
    stated = known(**{c: getattr(record, c) for c in ("url", "version", "commit_sha", "status_raw", "strategy",
                                                       "triggered_by", "started_at", "finished_at")})
    org_id, now = require_org_id(), timezone.now()
    params = {"org": org_id, "source": SOURCE, "external_id": record.external_id, "now": now,
              **event_params(actor=actor, org_id=org_id, at=now),
              "service": service, "environment": environment,
              "environment_slugs": sorted({environment, slugify(environment)}),
              "status": record.status.value, "kind": record.kind.value,
              **{c: stated.get(c) for c in (*_TEXT, "started_at", "finished_at")}, **_commit_params(record)}
    with connection.cursor() as cursor:
        _STATEMENT.execute(cursor, params)
        row = cursor.fetchone()
    if row is None:  # the service or the environment is not known by slug or name
        return None
    width = len(_COLUMNS)
    created, changed, service_slug, environment_slug, shas, newly_marked = row[width:]
    deployment = Deployment.from_db(connection.alias, _ATTNAMES, row[:width])
    deployment.service = Service(pk=deployment.service_id, slug=service_slug)
    deployment.environment = Environment(pk=deployment.environment_id, slug=environment_slug)
    deployment._prefetched_objects_cache = {"commits": [Commit(sha=sha) for sha in shas or ()]}
    if newly_marked is not None:  # else the service's marker was waiting already, with its task
        derivation_queue(service_ids=[newly_marked])
    return Posted(deployment, created, changed)
