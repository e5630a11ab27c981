"""Reads of the integrations records, for the API and the pages. Lists are ordered newest first
and select what their serializers show, so a page costs the same queries whatever its size."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Coalesce

from environments.models import Environment
from environments.selectors import environment_list
from integrations.models import ChangeRequest, Commit, Deployment, Incident, PipelineRun, PullRequest, WorkItem
from integrations.models.change_control import ChangeControlledEnvironment


def _window(queryset: QuerySet, field: str, since: datetime | None, until: datetime | None) -> QuerySet:
    if since is not None:
        queryset = queryset.filter(**{f"{field}__gte": since})
    if until is not None:
        queryset = queryset.filter(**{f"{field}__lt": until})
    return queryset


def _common(queryset: QuerySet, *, time_field: str, service: str | None, source: str | None,
            since: datetime | None, until: datetime | None, **exact) -> QuerySet:
    if service:
        queryset = queryset.filter(service__slug=service)
    if source:
        queryset = queryset.filter(source=source)
    queryset = queryset.filter(**{name: value for name, value in exact.items() if value is not None})
    return _window(queryset, time_field, since, until)


def deployment_list(*, service: str | None = None, environment: str | None = None, status: str | None = None,
                    kind: str | None = None, production: bool | None = None, source: str | None = None,
                    since: datetime | None = None, until: datetime | None = None) -> QuerySet[Deployment]:
    """Deployments, dated by when they finished (or started, while running)."""
    queryset = (Deployment.objects.select_related("service", "environment")
                .annotate(happened_at=Coalesce("finished_at", "started_at"))
                .order_by("-happened_at", "-id"))
    if environment:
        queryset = queryset.filter(environment__slug=environment)
    return _common(queryset, time_field="happened_at", service=service, source=source, since=since, until=until,
                   status=status, kind=kind, is_production=production)


def deployment_get(*, deployment_id: int) -> Deployment:
    return Deployment.objects.select_related("service", "environment").prefetch_related("commits").get(
        pk=deployment_id)


def incident_list(*, service: str | None = None, environment: str | None = None, status: str | None = None,
                  severity: int | None = None, source: str | None = None, since: datetime | None = None,
                  until: datetime | None = None) -> QuerySet[Incident]:
    queryset = Incident.objects.select_related("service", "environment").order_by("-opened_at", "-id")
    if environment:
        queryset = queryset.filter(environment__slug=environment)
    return _common(queryset, time_field="opened_at", service=service, source=source, since=since, until=until,
                   status=status, severity=severity)


def pipeline_run_list(*, service: str | None = None, status: str | None = None, branch: str | None = None,
                      commit_sha: str | None = None, source: str | None = None, since: datetime | None = None,
                      until: datetime | None = None) -> QuerySet[PipelineRun]:
    queryset = PipelineRun.objects.select_related("service").order_by("-started_at", "-id")
    return _common(queryset, time_field="started_at", service=service, source=source, since=since, until=until,
                   status=status, branch=branch, commit_sha=commit_sha)


def commit_list(*, service: str | None = None, sha: str | None = None, source: str | None = None,
                since: datetime | None = None, until: datetime | None = None) -> QuerySet[Commit]:
    queryset = Commit.objects.select_related("service").order_by("-committed_at", "-id")
    if sha:
        queryset = queryset.filter(sha__startswith=sha)
    return _common(queryset, time_field="committed_at", service=service, source=source, since=since, until=until)


def pull_request_list(*, service: str | None = None, state: str | None = None, source: str | None = None,
                      since: datetime | None = None, until: datetime | None = None) -> QuerySet[PullRequest]:
    queryset = PullRequest.objects.select_related("service").order_by("-opened_at", "-id")
    return _common(queryset, time_field="opened_at", service=service, source=source, since=since, until=until,
                   state=state)


def work_item_list(*, service: str | None = None, status_category: str | None = None, flow_type: str | None = None,
                   project: str | None = None, key: str | None = None, source: str | None = None,
                   since: datetime | None = None, until: datetime | None = None) -> QuerySet[WorkItem]:
    """Work items, dated by their last update."""
    queryset = WorkItem.objects.select_related("service").order_by("-updated_at", "-id")
    return _common(queryset, time_field="updated_at", service=service, source=source, since=since, until=until,
                   status_category=status_category, flow_type=flow_type, project=project, key=key)


def change_request_list(*, service: str | None = None, state: str | None = None, approval: str | None = None,
                        type: str | None = None, number: str | None = None, source: str | None = None,
                        since: datetime | None = None, until: datetime | None = None) -> QuerySet[ChangeRequest]:
    queryset = ChangeRequest.objects.prefetch_related("services").order_by("-opened_at", "-id")
    if service:
        queryset = queryset.filter(change_services__service__slug=service).distinct()
    return _common(queryset, time_field="opened_at", service=None, source=source, since=since, until=until,
                   state=state, approval=approval, type=type, number=number)


def change_control_list() -> QuerySet[Environment]:
    """Every environment with ``change_controlled``: whether deployments into it need an approved
    change request."""
    marked = ChangeControlledEnvironment.objects.filter(environment=OuterRef("pk"))
    return environment_list().annotate(change_controlled=Exists(marked)).order_by("name", "id")
