"""Filters of the integrations lists: sync runs and webhook deliveries (API and pages), and the
records (deployments, incidents, pipeline runs, commits, pull requests, work items, change
requests), each dated by one time the `since`/`until` window reads."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.validators import RegexValidator

from environments.models import Environment
from integrations.models import (
    Approval,
    ChangeRequest,
    ChangeState,
    ChangeType,
    Commit,
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    FlowType,
    Incident,
    IncidentStatus,
    PipelineRun,
    PullRequest,
    PullRequestState,
    RecordSource,
    RunStatus,
    StatusCategory,
    SyncRun,
    WebhookDelivery,
    WorkItem,
)
from vsm.api.filters import AwareDateTimeFilter, BooleanFilter, IntegerFilter, WindowForm, by_slug
from vsm.catalog.models import Service


class SyncRunFilter(django_filters.FilterSet):
    connection = IntegerFilter(field_name="connection_id", help_text="a connection's id")
    status = django_filters.ChoiceFilter(choices=SyncRun.Status.choices)

    class Meta:
        model = SyncRun
        fields: list[str] = []


class WebhookDeliveryFilter(django_filters.FilterSet):
    connection = IntegerFilter(field_name="connection_id", help_text="a connection's id")
    status = django_filters.ChoiceFilter(choices=WebhookDelivery.Status.choices)
    event = django_filters.CharFilter(max_length=120)

    class Meta:
        model = WebhookDelivery
        fields: list[str] = []


class _ShaField(forms.CharField):
    """A commit sha or its prefix: 7 to 64 hexadecimal characters, compared in lower case."""

    default_validators = [RegexValidator(r"^[0-9a-f]{7,64}\Z", "Must be 7 to 64 hexadecimal characters.")]

    def __init__(self, **kwargs):
        super().__init__(max_length=64, **kwargs)

    def to_python(self, value):
        return super().to_python(value).lower()


class ShaFilter(django_filters.CharFilter):
    field_class = _ShaField


class _RecordFilter(django_filters.FilterSet):
    """What every record list filters by. `since` and `until` read the time named by `dated_by`
    (`since` inclusive, `until` exclusive)."""

    dated_by: str

    service = by_slug(Service, help_text="service slug")
    source = django_filters.ChoiceFilter(choices=RecordSource.choices)
    since = AwareDateTimeFilter(method="in_window", help_text="rows dated at or after this time")
    until = AwareDateTimeFilter(method="in_window", help_text="rows dated before this time")

    class Meta:
        form = WindowForm
        fields: list[str] = []

    def in_window(self, queryset, name, value):
        return queryset.filter(**{f"{self.dated_by}__{'gte' if name == 'since' else 'lt'}": value})


class DeploymentFilter(_RecordFilter):
    """Deployments, dated by when they finished (or started, while running: the selector's
    `happened_at`)."""

    dated_by = "happened_at"

    environment = by_slug(Environment, help_text="environment slug")
    status = django_filters.ChoiceFilter(choices=DeploymentStatus.choices)
    kind = django_filters.ChoiceFilter(choices=DeploymentKind.choices)
    production = BooleanFilter(field_name="is_production", help_text="true: into production only; false: the others")

    class Meta(_RecordFilter.Meta):
        model = Deployment


class IncidentFilter(_RecordFilter):
    dated_by = "opened_at"

    environment = by_slug(Environment, help_text="environment slug")
    status = django_filters.ChoiceFilter(choices=IncidentStatus.choices)
    severity = IntegerFilter(max_value=4, help_text="1 (most severe) to 4")

    class Meta(_RecordFilter.Meta):
        model = Incident


class PipelineRunFilter(_RecordFilter):
    dated_by = "started_at"

    status = django_filters.ChoiceFilter(choices=RunStatus.choices)
    branch = django_filters.CharFilter(max_length=255)
    commit_sha = ShaFilter(help_text="the built commit's full sha")

    class Meta(_RecordFilter.Meta):
        model = PipelineRun


class CommitFilter(_RecordFilter):
    dated_by = "committed_at"

    sha = ShaFilter(lookup_expr="startswith", help_text="a full sha or its prefix")

    class Meta(_RecordFilter.Meta):
        model = Commit


class PullRequestFilter(_RecordFilter):
    dated_by = "opened_at"

    state = django_filters.ChoiceFilter(choices=PullRequestState.choices)

    class Meta(_RecordFilter.Meta):
        model = PullRequest


class WorkItemFilter(_RecordFilter):
    """Work items, dated by their last update."""

    dated_by = "updated_at"

    status_category = django_filters.ChoiceFilter(choices=StatusCategory.choices)
    flow_type = django_filters.ChoiceFilter(choices=FlowType.choices)
    project = django_filters.CharFilter(max_length=120)
    key = django_filters.CharFilter(max_length=60)

    class Meta(_RecordFilter.Meta):
        model = WorkItem


class ChangeRequestFilter(_RecordFilter):
    dated_by = "opened_at"

    service = by_slug(Service, field_name="change_services__service", help_text="slug of a service the change names")
    state = django_filters.ChoiceFilter(choices=ChangeState.choices)
    approval = django_filters.ChoiceFilter(choices=Approval.choices)
    type = django_filters.ChoiceFilter(choices=ChangeType.choices)
    number = django_filters.CharFilter(max_length=60)

    class Meta(_RecordFilter.Meta):
        model = ChangeRequest
