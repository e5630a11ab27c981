"""The names of this app's choice sets in the API schema (collected by vsm.api.apps): one name
each, since several models have a `kind` or a `status`."""

ENUM_NAMES = {
    "ReleaseKindEnum": "releases.models.releases.ReleaseKind",
    "ReleaseStatusEnum": "releases.models.releases.ReleaseStatus",
    "PhaseStatusEnum": "releases.models.releases.PhaseStatus",
    "ActivityKindEnum": "releases.models.deployments.ActivityKind",
    "ActivityStatusEnum": "releases.models.deployments.ActivityStatus",
    "DeploymentDecisionEnum": "releases.models.deployments.Decision",
    "ReleaseStrategyEnum": "releases.models.releases.Strategy",
    "FreezeScopeEnum": "releases.models.freezes.FreezeScope",
}
