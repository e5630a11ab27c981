"""Releases (trains, phases, templates, dependencies), freeze windows, release slots, deployment
plans and the record of every "may I deploy?" check. Split by sub-domain; import from here."""

from releases.models.deployments import (
    ActivityKind,
    ActivityStatus,
    Decision,
    DeploymentActivity,
    DeploymentCheck,
    ReleaseSettings,
    ReleaseSlotWindow,
    SlotBooking,
)
from releases.models.freezes import FreezeOverride, FreezeScope, FreezeWindow, FreezeWindowEnvironment, RecurringWindow
from releases.models.releases import (
    Phase,
    PhaseStatus,
    Release,
    ReleaseDependency,
    ReleaseKind,
    ReleaseService,
    ReleaseStatus,
    ReleaseTemplate,
    Risk,
    Strategy,
    TemplatePhase,
)

__all__ = [
    "ActivityKind", "ActivityStatus", "Decision", "DeploymentActivity", "DeploymentCheck", "ReleaseSettings",
    "ReleaseSlotWindow", "SlotBooking",
    "FreezeOverride", "FreezeScope", "FreezeWindow", "FreezeWindowEnvironment", "RecurringWindow",
    "Phase", "PhaseStatus", "Release", "ReleaseDependency", "ReleaseKind", "ReleaseService", "ReleaseStatus",
    "ReleaseTemplate", "Risk", "Strategy", "TemplatePhase",
]
