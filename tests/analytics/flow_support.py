"""Work item histories for the flow tests: an item and its status transitions in one call."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.integrations.factories import WorkItemFactory, WorkItemTransitionFactory

# Status name -> (category, waiting), as the default mapping files them.
STATUSES = {
    "To Do": ("todo", False),
    "In Progress": ("in_progress", False),
    "Blocked": ("in_progress", True),
    "Ready for QA": ("in_progress", True),
    "Done": ("done", False),
}


def utc(text: str) -> datetime:
    """'03-04 08:00' in 2024, UTC."""
    return datetime.strptime(f"2024-{text}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def item(org, *, created: str, moves: list[tuple[str, str]] = (), flow_type: str = "feature",
         resolved: str | None = None, started: str | None = None, **fields):
    """A work item created at `created` that entered each status of `moves` ((time, status)) in
    turn; its current status is the last one (To Do without moves)."""
    current = moves[-1][1] if moves else fields.pop("status", "To Do")
    category, waiting = STATUSES[current]
    work_item = WorkItemFactory(
        organization=org, flow_type=flow_type, status_raw=current, status_category=category, waiting=waiting,
        created_at=utc(created), resolved_at=utc(resolved) if resolved else None,
        started_at=utc(started) if started else None, **fields)
    previous = "To Do"
    for at, status in moves:
        WorkItemTransitionFactory(
            organization=org, work_item=work_item, at=utc(at), from_status=previous,
            from_category=STATUSES[previous][0], to_status=status, to_category=STATUSES[status][0],
            to_waiting=STATUSES[status][1])
        previous = status
    return work_item
