"""Reads of the integrations records, for the API and the pages. Lists are ordered newest first
and select what their serializers show, so a page costs the same queries whatever its size; their
filters are FilterSets (integrations/filters.py)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Coalesce

from environments.models import Environment
from environments.selectors import environment_list
from integrations.models import ChangeRequest, Commit, Deployment, Incident, PipelineRun, PullRequest, WorkItem
from integrations.models.change_control import ChangeControlledEnvironment


def deployment_list() -> QuerySet[Deployment]:
    """Deployments, dated by when they finished (or started, while running): ``happened_at``."""
    return (Deployment.objects.select_related("service", "environment")
            .annotate(happened_at=Coalesce("finished_at", "started_at"))
            .order_by("-happened_at", "-id"))


def deployment_get(*, deployment_id: int) -> Deployment:
    return Deployment.objects.select_related("service", "environment").prefetch_related("commits").get(
        pk=deployment_id)


def incident_list() -> QuerySet[Incident]:
    return Incident.objects.select_related("service", "environment").order_by("-opened_at", "-id")


def pipeline_run_list() -> QuerySet[PipelineRun]:
    return PipelineRun.objects.select_related("service").order_by("-started_at", "-id")


def commit_list() -> QuerySet[Commit]:
    return Commit.objects.select_related("service").order_by("-committed_at", "-id")


def pull_request_list() -> QuerySet[PullRequest]:
    return PullRequest.objects.select_related("service").order_by("-opened_at", "-id")


def work_item_list() -> QuerySet[WorkItem]:
    """Work items, dated by their last update."""
    return WorkItem.objects.select_related("service").order_by("-updated_at", "-id")


def change_request_list() -> QuerySet[ChangeRequest]:
    return ChangeRequest.objects.prefetch_related("services").order_by("-opened_at", "-id")


def change_control_list() -> QuerySet[Environment]:
    """Every environment with ``change_controlled``: whether deployments into it need an approved
    change request."""
    marked = ChangeControlledEnvironment.objects.filter(environment=OuterRef("pk"))
    return environment_list().annotate(change_controlled=Exists(marked)).order_by("name", "id")
