"""The environments app's refusals, beyond the generic ones in vsm.errors."""

from __future__ import annotations

from vsm.errors import Conflict


class BookingConflict(Conflict):
    """A requested period collides with approved bookings or outages. `details` name them
    (`conflicts`, `outages`, `occurrences`) and offer `next_free_slot` (same length, same
    environments) and `alternative_environment` (same tier and group, free then)."""

    code = "booking_conflict"


class LeaseDenied(Conflict):
    """A CI job may not hold the environment now; `details` carry `reasons` (each with a `code`
    and, where waiting helps, `until`) and `retry_after`."""

    code = "lease_denied"
