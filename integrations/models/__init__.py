"""The integrations app's models: connections and what they bring in. Import from here."""

from integrations.models.connections import Connection, ConnectionKind, DeliverySettings, SyncRun, WebhookDelivery
from integrations.models.delivery import (
    LIVE_STATUSES,
    Commit,
    Deployment,
    DeploymentCommit,
    DeploymentKind,
    DeploymentStatus,
    DeploymentStrategy,
    PipelineJob,
    PipelineRun,
    PullRequest,
    PullRequestState,
    RecordSource,
    RunStatus,
)
from integrations.models.work import (
    Approval,
    ChangeRequest,
    ChangeRequestService,
    ChangeState,
    ChangeType,
    FlowType,
    Incident,
    IncidentStatus,
    StatusCategory,
    WorkItem,
    WorkItemTransition,
)

__all__ = [
    "Connection", "ConnectionKind", "DeliverySettings", "SyncRun", "WebhookDelivery",
    "LIVE_STATUSES", "Commit", "Deployment", "DeploymentCommit", "DeploymentKind", "DeploymentStatus",
    "DeploymentStrategy", "PipelineJob", "PipelineRun", "PullRequest", "PullRequestState", "RecordSource", "RunStatus",
    "Approval", "ChangeRequest", "ChangeRequestService", "ChangeState", "ChangeType", "FlowType", "Incident",
    "IncidentStatus", "StatusCategory", "WorkItem", "WorkItemTransition",
]
