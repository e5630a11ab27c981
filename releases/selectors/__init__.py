"""Every read of the releases app. Split by sub-domain; import from here."""

from releases.selectors.checks import CheckFacts, check_facts, register_fact
from releases.selectors.deployments import (
    PlanProgress,
    Slot,
    activity_list,
    deployment_check_list,
    next_slot_booking,
    plan_progress,
    release_settings_get,
    slot_booking_list,
    slot_window_list,
    slots_between,
)
from releases.selectors.evidence import evidence_pack
from releases.selectors.freezes import (
    FreezeOccurrence,
    freeze_active,
    freeze_active_anywhere_in,
    freeze_not_over,
    freeze_occurrences,
    freeze_override_in_force,
    freeze_override_list,
    freeze_window_get,
    freeze_window_list,
)
from releases.selectors.releases import (
    FreezeInTheWay,
    LateDependency,
    PhaseCollisions,
    PlannedPhase,
    Rollup,
    advance_collisions,
    advance_freezes,
    booking_release_choices,
    dependency_warnings,
    phase_collisions,
    phases_with_gates,
    plan_collisions,
    release_calendar,
    release_detail_list,
    release_get,
    release_list,
    release_refs,
    release_rollup,
    template_get,
    template_list,
    template_plan,
)
from releases.selectors.risks import PhaseState, Risk, phase_states, releases_at_risk

__all__ = [
    "CheckFacts", "check_facts", "register_fact",
    "PlanProgress", "Slot", "activity_list", "deployment_check_list", "next_slot_booking", "plan_progress",
    "release_settings_get", "slot_booking_list", "slot_window_list", "slots_between",
    "evidence_pack",
    "FreezeOccurrence", "freeze_active", "freeze_active_anywhere_in", "freeze_occurrences",
    "freeze_override_in_force", "freeze_override_list",
    "freeze_not_over", "freeze_window_get", "freeze_window_list",
    "FreezeInTheWay", "LateDependency", "PhaseCollisions", "PlannedPhase", "Rollup", "advance_collisions",
    "advance_freezes", "booking_release_choices", "dependency_warnings", "phase_collisions",
    "plan_collisions", "template_plan",
    "phases_with_gates", "release_calendar", "release_detail_list", "release_get",
    "release_list", "release_refs", "release_rollup", "template_get", "template_list",
    "PhaseState", "Risk", "phase_states", "releases_at_risk",
]
