"""Every write of the environments app. Split by sub-domain; import from here."""

from environments.errors import BookingConflict, LeaseDenied
from environments.services.bookings import (
    booking_approve,
    booking_cancel,
    booking_extend,
    booking_reject,
    booking_release,
    booking_request,
    booking_shorten,
)
from environments.services.inventory import (
    environment_create,
    environment_delete,
    environment_set_status,
    environment_update,
    group_create,
    group_delete,
    group_set_members,
    group_update,
    outage_create,
    outage_delete,
)
from environments.services.leases import lease_acquire, lease_release, lease_renew
from environments.services.requests import (
    deployment_approval_decide,
    deployment_approval_request,
    provisioning_request_advance,
    provisioning_request_create,
)

__all__ = [
    "BookingConflict", "LeaseDenied",
    "booking_approve", "booking_cancel", "booking_extend", "booking_reject", "booking_release", "booking_request",
    "booking_shorten",
    "environment_create", "environment_delete", "environment_set_status", "environment_update",
    "group_create", "group_delete", "group_set_members", "group_update", "outage_create", "outage_delete",
    "lease_acquire", "lease_release", "lease_renew",
    "deployment_approval_decide", "deployment_approval_request",
    "provisioning_request_advance", "provisioning_request_create",
]
