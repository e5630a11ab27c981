"""Keeping the DORA rollups (analytics.DoraDay) in step with the derived delivery records.

``delivery_derive`` sends ``delivery_derived``; the receiver here rewrites the rows of the days it
touched, in the same transaction, with the rules of analytics.dora.sql. The first derivation of an
organization (or the first after its time zone changed) builds every row, after which reports
read rollups (``rollup_state``).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.dispatch import receiver
from django.utils import timezone

from analytics.dora.sql import DEPLOYMENTS, base_params, daily_facts_sql
from analytics.models import DoraChange, DoraDay, DoraRollupState
from integrations.derivation import delivery_derived
from vsm.tenancy.context import require_org_id
from vsm.tenancy.models import Organization

ROLLUPS, CHANGES = DoraDay._meta.db_table, DoraChange._meta.db_table
COLUMNS = "service_id, day, deployments, failed, rework, open_failures, lead_time_hours, recovery_hours"


def _rewrite(*, where_rows: str, where_facts: str, params: dict) -> None:
    """Delete the rollup rows matching `where_rows` and insert the facts matching `where_facts`,
    recording the change (a new rollup state: the reports stored under the old one are not read
    again); the pages' reports are computed again after commit (analytics.dora.warm)."""
    from analytics.dora import tasks  # here, not at the top: the tasks module imports the services

    tasks.dora_reports_warm_queue(params["org"])
    with connection.cursor() as cursor:
        cursor.execute(f"WITH change AS (INSERT INTO {CHANGES} (organization_id) VALUES (%(org)s)) "
                       f"DELETE FROM {ROLLUPS} WHERE organization_id = %(org)s AND {where_rows}", params)
        cursor.execute(f"INSERT INTO {ROLLUPS} (organization_id, {COLUMNS}) SELECT %(org)s, {COLUMNS} FROM "
                       f"({daily_facts_sql(where_facts)}) facts", params)


def _org_time_zone(org_id: int) -> str:
    return Organization.objects.values_list("time_zone", flat=True).get(pk=org_id)


@transaction.atomic
def dora_rollups_rebuild() -> None:
    """Rebuild every rollup row of the current organization in its current time zone."""
    org_id = require_org_id()
    tz = _org_time_zone(org_id)
    with connection.cursor() as cursor:
        # One rebuild at a time per organization; derivations of single services wait for it.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [org_id])
    _rewrite(where_rows="true", where_facts="true", params=base_params(org_id=org_id, tz=tz))
    DoraRollupState.objects.update_or_create(defaults={"time_zone": tz, "built_at": timezone.now()})


def dora_service_refresh(*, service_id: int, since: datetime | None, deployment_ids: frozenset[int]) -> None:
    """Rewrite the rows of one service from the local day of `since` on (all of them when None),
    plus the days of `deployment_ids` (which may belong to other services)."""
    org_id = require_org_id()
    tz = _org_time_zone(org_id)
    params = {**base_params(org_id=org_id, tz=tz), "service": service_id, "since": since,
              "deployments": list(deployment_ids)}
    if since is None:
        _rewrite(where_rows="service_id = %(service)s", where_facts="d.service_id = %(service)s", params=params)
    else:
        _rewrite(where_rows="service_id = %(service)s AND day >= (%(since)s AT TIME ZONE %(tz)s)::date",
                 where_facts="d.service_id = %(service)s AND d.finished_at >= "
                             "(date_trunc('day', %(since)s AT TIME ZONE %(tz)s) AT TIME ZONE %(tz)s)",
                 params=params)
    pairs = _service_days(params)
    if pairs:
        services, days = zip(*pairs, strict=True)
        pair_params = {**params, "services": list(services), "days": list(days)}
        in_pairs = "IN (SELECT * FROM unnest(%(services)s::bigint[], %(days)s::date[]))"
        local_day = "(d.finished_at AT TIME ZONE %(tz)s)::date"
        _rewrite(where_rows=f"(service_id, day) {in_pairs}",
                 where_facts=f"d.service_id = ANY(%(services)s) AND (d.service_id, {local_day}) {in_pairs}",
                 params=pair_params)


def _service_days(params: dict) -> list[tuple[int, date]]:
    """The (service, local day) pairs of the given deployments, skipping what the range above
    already rewrote."""
    if not params["deployments"]:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT DISTINCT service_id, (finished_at AT TIME ZONE %(tz)s)::date AS day FROM {DEPLOYMENTS}
             WHERE organization_id = %(org)s AND id = ANY(%(deployments)s) AND finished_at IS NOT NULL""", params)
        pairs = cursor.fetchall()
    since = params["since"]
    since_day = None if since is None else since.astimezone(ZoneInfo(params["tz"])).date()
    return [(service, day) for service, day in pairs
            if not (service == params["service"] and (since_day is None or day >= since_day))]


# The state of an organization's rollups: the newest DoraChange's id (0 before any). Reports are
# kept under it (analytics.dora.report_cache); analytics.dora.record_counts reads it beside its
# own checks, in the same statement.
STATE_SQL = f"(SELECT coalesce(max(id), 0) FROM {CHANGES} WHERE organization_id = %(org)s)"
_READY_STATE_SQL = (f"SELECT {STATE_SQL} FROM {DoraRollupState._meta.db_table}"
                    " WHERE organization_id = %(org)s AND time_zone = %(tz)s")


def rollup_state(*, time_zone: str) -> int | None:
    """The state of the current organization's rollups when they are complete for `time_zone`,
    else None: one query."""
    with connection.cursor() as cursor:
        cursor.execute(_READY_STATE_SQL, {"org": require_org_id(), "tz": time_zone})
        row = cursor.fetchone()
    return None if row is None else row[0]


@receiver(delivery_derived, dispatch_uid="analytics-dora-rollups")
def _on_delivery_derived(*, organization_id: int, service_id: int, since: datetime | None,
                         deployment_ids: frozenset[int], **kwargs) -> None:
    if rollup_state(time_zone=_org_time_zone(organization_id)) is None:
        dora_rollups_rebuild()
        return
    dora_service_refresh(service_id=service_id, since=since, deployment_ids=deployment_ids)
