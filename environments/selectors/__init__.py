"""Every read of the environments app. Split by sub-domain; import from here."""

from environments.selectors.bookings import (
    Availability,
    Collision,
    RequestClash,
    approved_overlapping,
    booking_brief,
    booking_conflict,
    booking_covering,
    booking_list,
    calendar_entries,
    collisions,
    environment_availability,
    environment_bookings,
    equivalent_free_environment,
    my_bookings,
    next_free_slot,
    of_user,
    outage_brief,
    outages_overlapping,
    request_clashes,
)
from environments.selectors.inventory import (
    bookable_teams,
    can_approve,
    environment_get,
    environment_list,
    group_get,
    group_list,
    is_environment_manager,
    managed_team_ids,
    team_ids_of,
    teams_of,
)
from environments.selectors.leases import (
    LeaseDecision,
    active_leases,
    availability_reasons,
    lease_check,
    lease_list,
)
from environments.selectors.requests import (
    approval_queue,
    deployment_approval_list,
    outage_list,
    provisioning_request_list,
)

__all__ = [
    "Availability", "Collision", "LeaseDecision", "RequestClash", "active_leases", "approval_queue",
    "approved_overlapping",
    "availability_reasons", "bookable_teams", "booking_brief", "booking_conflict", "booking_covering", "booking_list",
    "calendar_entries", "can_approve", "collisions", "deployment_approval_list", "environment_availability",
    "environment_bookings", "environment_get", "environment_list", "equivalent_free_environment", "group_get",
    "group_list", "is_environment_manager", "lease_check", "lease_list", "managed_team_ids", "my_bookings",
    "next_free_slot", "of_user", "outage_brief", "outage_list", "outages_overlapping", "provisioning_request_list",
    "request_clashes", "team_ids_of", "teams_of",
]
