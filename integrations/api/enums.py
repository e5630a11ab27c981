"""The names of this app's choice sets in the API schema (collected by vsm.api.apps): one name
each, since several models have a `kind` or a `status`."""

ENUM_NAMES = {
    "DeploymentStatusEnum": "integrations.models.DeploymentStatus",
    "DeploymentKindEnum": "integrations.models.DeploymentKind",
    "DeploymentStrategyEnum": "integrations.models.DeploymentStrategy",
    "RunStatusEnum": "integrations.models.RunStatus",
    "IncidentStatusEnum": "integrations.models.IncidentStatus",
    "PullRequestStateEnum": "integrations.models.PullRequestState",
    "ChangeStateEnum": "integrations.models.ChangeState",
    "ChangeTypeEnum": "integrations.models.ChangeType",
    "ApprovalEnum": "integrations.models.Approval",
    "StatusCategoryEnum": "integrations.models.StatusCategory",
    "FlowTypeEnum": "integrations.models.FlowType",
    "ConnectionKindEnum": "integrations.models.ConnectionKind",
    "SyncRunStatusEnum": "integrations.models.SyncRun.Status",
    "WebhookDeliveryStatusEnum": "integrations.models.WebhookDelivery.Status",
}
