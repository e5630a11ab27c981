"""Reads only the analytics pages need, around one service: its deployments on a timeline, the
distribution of its change lead times and its incidents. The metrics themselves come from
analytics.dora (one computation for the API and the pages); these rows show what is behind them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from integrations.models import Commit, Deployment, Incident
from integrations.normalized import DeploymentKind, DeploymentStatus
from vsm.catalog.models import Service, Team, ValueStream

TIMELINE_LIMIT = 2000

# Lead time buckets, in hours. The edges include METRICS.md's level thresholds (24 h, 168 h,
# 720 h), so each bar falls wholly inside one level and takes that level's colour.
LEAD_TIME_BUCKETS: tuple[tuple[str, float, float | None, str], ...] = (
    ("< 1 h", 0, 1, "elite"),
    ("1–4 h", 1, 4, "elite"),
    ("4–24 h", 4, 24, "elite"),
    ("1–3 d", 24, 72, "high"),
    ("3–7 d", 72, 168, "high"),
    ("7–30 d", 168, 720, "medium"),
    ("≥ 30 d", 720, None, "low"),
)


def scope_choices(*, scopes: tuple[str, ...], value_stream: ValueStream | None = None) -> dict[str, list[dict]]:
    """The value streams, services and teams a filter form offers (only the `scopes` asked for;
    with `value_stream`, only its services), each a list of {name, slug} by name; one query."""
    services = Service.objects.filter(value_stream=value_stream) if value_stream else Service.objects.all()
    querysets = {"value_stream": ValueStream.objects.all(), "team": Team.objects.all(), "service": services}
    parts = [querysets[scope].annotate(scope=Value(scope)).values("scope", "name", "slug") for scope in scopes]
    choices: dict[str, list[dict]] = {scope: [] for scope in scopes}
    if parts:
        for row in parts[0].union(*parts[1:], all=True).order_by("scope", "name"):
            choices[row["scope"]].append(row)
    return choices


def value_stream_get(*, slug: str) -> ValueStream | None:
    if "\x00" in slug:  # no slug holds one, and PostgreSQL refuses it in a comparison
        return None
    return ValueStream.objects.filter(slug=slug).first()


def service_get(*, key: str) -> Service | None:
    """A service by slug, or by id when the key is all digits (links from elsewhere may use either)."""
    services = Service.objects.select_related("value_stream", "team")
    found = services.filter(slug=key).first()
    if found is None and key.isascii() and key.isdigit():
        found = services.filter(pk=int(key)).first()
    return found


def deployment_outcome(row: dict) -> str:
    """What the timeline marks a deployment as, worst first: a deployment that never went live,
    one rolled back (by status or named by a later deployment of kind rollback, as METRICS.md
    counts failures), one an incident was attributed to, a rollback or hotfix itself, or a plain
    success."""
    if row["status"] == DeploymentStatus.FAILED:
        return "failed"
    if row["status"] == DeploymentStatus.ROLLED_BACK or row["rolled_back_later"]:
        return "rolled_back"
    if row["caused_incident"]:
        return "incident"
    if row["kind"] in (DeploymentKind.ROLLBACK, DeploymentKind.HOTFIX):
        return row["kind"]
    if row["status"] == DeploymentStatus.SUCCEEDED:
        return "succeeded"
    return "other"


def service_deployment_timeline(*, service: Service, start: datetime, end: datetime,
                                limit: int = TIMELINE_LIMIT) -> list[dict]:
    """Deployments of the service to any environment that finished (or, still running, started)
    in [start, end), newest `limit` of them, oldest first, each with its `outcome`. One query."""
    rows = (
        Deployment.objects.filter(service=service)
        .annotate(at=Coalesce("finished_at", "started_at"),
                  rolled_back_later=Exists(Deployment.objects.filter(rollback_of=OuterRef("pk"),
                                                                     kind=DeploymentKind.ROLLBACK)),
                  caused_incident=Exists(Incident.objects.filter(attributed_deployment=OuterRef("pk"))))
        .filter(at__gte=start, at__lt=end)
        .order_by("-at", "-id")
        .values("id", "at", "version", "commit_sha", "status", "kind", "environment_name", "is_production",
                "rolled_back_later", "caused_incident", "environment__name")[:limit]
    )
    timeline = [{**row, "environment": row["environment__name"] or row["environment_name"] or "unknown"}
                for row in rows]
    for row in timeline:
        row["outcome"] = deployment_outcome(row)
    timeline.reverse()
    return timeline


def service_lead_time_histogram(*, service: Service, start: datetime, end: datetime) -> list[dict]:
    """How many of the service's changes had a lead time in each bucket, over the changes whose
    first production deployment finished in [start, end) (METRICS.md, change lead time:
    committed, else authored, time; negative spans dropped). One aggregate query."""
    lead = ExpressionWrapper(F("first_production_deployment__finished_at") - Coalesce("committed_at", "authored_at"),
                             output_field=DurationField())
    counts = {}
    for index, (_label, low, high, _level) in enumerate(LEAD_TIME_BUCKETS):
        bounds = Q(lead__gte=timedelta(hours=low))
        if high is not None:
            bounds &= Q(lead__lt=timedelta(hours=high))
        counts[f"b{index}"] = Count("pk", filter=bounds)
    # The deployment's own service too (always the commit's): lets PostgreSQL find the window's
    # deployments by the (service, finished_at) index instead of scanning every service's.
    totals = (Commit.objects.filter(service=service, first_production_deployment__service=service,
                                    first_production_deployment__finished_at__gte=start,
                                    first_production_deployment__finished_at__lt=end)
              .annotate(lead=lead).aggregate(**counts))
    return [{"label": label, "from_hours": low, "to_hours": high, "level": level, "changes": totals[f"b{index}"]}
            for index, (label, low, high, level) in enumerate(LEAD_TIME_BUCKETS)]


def service_incident_list(*, service: Service, start: datetime, end: datetime) -> QuerySet[Incident]:
    """The service's incidents opened in [start, end), newest first, with the deployment each
    is attributed to."""
    return (Incident.objects.filter(service=service, opened_at__gte=start, opened_at__lt=end)
            .select_related("attributed_deployment").order_by("-opened_at", "-id"))
