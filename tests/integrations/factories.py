"""Factories of the integrations app. Rows are written directly, not through the ingest services,
so tests can set up any history (analytics golden scenarios build theirs from these)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from integrations.models import (
    ChangeControlledEnvironment,
    ChangeRequest,
    ChangeRequestService,
    Commit,
    Connection,
    DeliverySettings,
    Deployment,
    DeploymentCommit,
    DerivationPending,
    Incident,
    PipelineJob,
    PipelineRun,
    PullRequest,
    SyncRun,
    WebhookDelivery,
    WorkItem,
    WorkItemTransition,
    WritebackAction,
)
from tests.environments.factories import EnvironmentFactory
from tests.factories import ServiceFactory, TenantFactory, same_org


class ConnectionFactory(TenantFactory):
    class Meta:
        model = Connection

    kind = "github"
    name = factory.Sequence(lambda n: f"Connection {n}")
    base_url = "http://127.0.0.1:9/"
    webhook_secret = "hook-secret"
    credentials = "token-123"


class SyncRunFactory(TenantFactory):
    class Meta:
        model = SyncRun

    connection = same_org(ConnectionFactory)


class WebhookDeliveryFactory(TenantFactory):
    class Meta:
        model = WebhookDelivery

    connection = same_org(ConnectionFactory)
    event = "push"
    content_type = "application/json"
    body = "{}"


class DeliverySettingsFactory(TenantFactory):
    class Meta:
        model = DeliverySettings


class ExternalRecordFactory(TenantFactory):
    class Meta:
        abstract = True

    source = "api"
    external_id = factory.Sequence(lambda n: f"ext-{n}")


class PipelineRunFactory(ExternalRecordFactory):
    class Meta:
        model = PipelineRun

    pipeline = "build"
    run_number = factory.Sequence(lambda n: n + 1)
    status = "succeeded"
    service = same_org(ServiceFactory)
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(minutes=20))
    finished_at = factory.LazyFunction(timezone.now)


class PipelineJobFactory(ExternalRecordFactory):
    class Meta:
        model = PipelineJob

    run = same_org(PipelineRunFactory)
    name = "test"
    status = "succeeded"


class ProductionEnvironmentFactory(EnvironmentFactory):
    name = factory.Sequence(lambda n: f"Production {n}")
    slug = factory.Sequence(lambda n: f"prod-{n}")
    tier = "production"
    is_production = True


class DeploymentFactory(ExternalRecordFactory):
    """A succeeded production deployment unless told otherwise; ``is_production`` follows the
    environment as the ingest services set it."""

    class Meta:
        model = Deployment

    service = same_org(ServiceFactory)
    environment = same_org(ProductionEnvironmentFactory)
    environment_name = factory.LazyAttribute(lambda o: o.environment.slug if o.environment else "")
    version = factory.Sequence(lambda n: f"1.0.{n}")
    commit_sha = factory.Sequence(lambda n: f"{n:040x}")
    status = "succeeded"
    kind = "normal"
    started_at = factory.LazyAttribute(lambda o: (o.finished_at or timezone.now()) - timedelta(minutes=10))
    finished_at = factory.LazyFunction(timezone.now)
    is_production = factory.LazyAttribute(lambda o: bool(o.environment and o.environment.is_production))


class CommitFactory(ExternalRecordFactory):
    class Meta:
        model = Commit

    service = same_org(ServiceFactory)
    sha = factory.Sequence(lambda n: f"c{n:039x}")
    external_id = factory.LazyAttribute(lambda o: f"{o.service.slug}@{o.sha}")
    message = "Change"
    committed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=5))


class DeploymentCommitFactory(TenantFactory):
    class Meta:
        model = DeploymentCommit

    deployment = same_org(DeploymentFactory)
    commit = same_org(CommitFactory)


class PullRequestFactory(ExternalRecordFactory):
    class Meta:
        model = PullRequest

    service = same_org(ServiceFactory)
    number = factory.Sequence(lambda n: n + 1)
    title = "Change"
    state = "open"
    opened_at = factory.LazyFunction(timezone.now)


class WorkItemFactory(ExternalRecordFactory):
    class Meta:
        model = WorkItem

    source = "jira"
    key = factory.Sequence(lambda n: f"ABC-{n + 1}")
    title = "Work"
    type_raw = "Story"
    flow_type = "feature"
    status_raw = "To Do"
    status_category = "todo"
    created_at = factory.LazyFunction(timezone.now)


class WorkItemTransitionFactory(TenantFactory):
    class Meta:
        model = WorkItemTransition

    work_item = same_org(WorkItemFactory)
    external_id = factory.Sequence(lambda n: f"h-{n}")
    at = factory.LazyFunction(timezone.now)
    from_status = "To Do"
    from_category = "todo"
    to_status = "In Progress"
    to_category = "in_progress"


class ChangeRequestFactory(ExternalRecordFactory):
    class Meta:
        model = ChangeRequest

    source = "servicenow"
    number = factory.Sequence(lambda n: f"CHG{n:07d}")
    title = "Change"
    type = "normal"
    state = "scheduled"
    approval = "requested"


class ChangeRequestServiceFactory(TenantFactory):
    class Meta:
        model = ChangeRequestService

    change_request = same_org(ChangeRequestFactory)
    service = same_org(ServiceFactory)


class IncidentFactory(ExternalRecordFactory):
    class Meta:
        model = Incident

    number = factory.Sequence(lambda n: f"INC{n:07d}")
    title = "Outage"
    status = "open"
    severity = 2
    service = same_org(ServiceFactory)
    opened_at = factory.LazyFunction(timezone.now)


class DerivationPendingFactory(TenantFactory):
    class Meta:
        model = DerivationPending

    service = same_org(ServiceFactory)


class ChangeControlledEnvironmentFactory(TenantFactory):
    class Meta:
        model = ChangeControlledEnvironment

    environment = same_org(EnvironmentFactory)


class WritebackActionFactory(TenantFactory):
    class Meta:
        model = WritebackAction

    connection = same_org(ConnectionFactory)
    kind = WritebackAction.Kind.JIRA_COMMENT
    target = "PAY-1"
    cause = "incident:1"
    resolved_at = factory.LazyFunction(timezone.now)
