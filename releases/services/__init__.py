"""Every write of the releases app. Split by sub-domain; import from here."""

from releases.services.deployment_checks import CHECKS, CheckContext, deployment_check, reason, register_check
from releases.services.freezes import (
    freeze_override_grant,
    freeze_window_create,
    freeze_window_delete,
    freeze_window_update,
    override_refusal,
)
from releases.services.plans import activity_add, activity_complete, activity_remove, activity_update
from releases.services.releases import (
    dependency_add,
    dependency_remove,
    phase_add,
    phase_remove,
    phase_update,
    release_advance_phase,
    release_create,
    release_create_from_template,
    release_update,
)
from releases.services.slots import (
    release_settings_update,
    slot_book,
    slot_booking_cancel,
    slot_window_create,
    slot_window_delete,
    slot_window_update,
)
from releases.services.templates import template_create, template_delete, template_update

__all__ = [
    "CHECKS", "CheckContext", "deployment_check", "reason", "register_check",
    "freeze_override_grant", "freeze_window_create", "freeze_window_delete", "freeze_window_update",
    "override_refusal",
    "activity_add", "activity_complete", "activity_remove", "activity_update",
    "dependency_add", "dependency_remove", "phase_add", "phase_remove", "phase_update", "release_advance_phase",
    "release_create", "release_create_from_template", "release_update",
    "release_settings_update", "slot_book", "slot_booking_cancel", "slot_window_create", "slot_window_delete",
    "slot_window_update", "template_create", "template_delete", "template_update",
]
