"""The integrations app's models: connections and what they bring in. Import from here."""

from integrations.models.change_control import ChangeControlledEnvironment
from integrations.models.connections import Connection, ConnectionKind, DeliverySettings, SyncRun, WebhookDelivery
from integrations.models.delivery import (
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
from integrations.models.derivation import DerivationPending
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
from integrations.models.writeback import WritebackAction

__all__ = [
    "ChangeControlledEnvironment", "Connection", "ConnectionKind", "DeliverySettings", "SyncRun", "WebhookDelivery",
    "DerivationPending", "WritebackAction",
    "Commit", "Deployment", "DeploymentCommit", "DeploymentKind", "DeploymentStatus",
    "DeploymentStrategy", "PipelineJob", "PipelineRun", "PullRequest", "PullRequestState", "RecordSource", "RunStatus",
    "Approval", "ChangeRequest", "ChangeRequestService", "ChangeState", "ChangeType", "FlowType", "Incident",
    "IncidentStatus", "StatusCategory", "WorkItem", "WorkItemTransition",
]
