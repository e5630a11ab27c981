"""A number against its goal: met or missed, written for tiles, breakdown cells and the digest."""

from __future__ import annotations

from analytics.models import GoalComparison, MetricGoal

# DORA levels from best to worst: a move to the right is a drop.
LEVELS = ("elite", "high", "medium", "low")


def met(goal: MetricGoal, value: float | None) -> bool | None:
    """Whether `value` meets the goal; None without a value (no data in the window)."""
    if value is None:
        return None
    return value <= goal.target if goal.comparison == GoalComparison.AT_MOST else value >= goal.target


def level_dropped(before: str, now: str | None) -> bool:
    return before in LEVELS and now in LEVELS and LEVELS.index(now) > LEVELS.index(before)


def attach(cells: list[dict], goals: dict[str, MetricGoal]) -> None:
    """Put `goal` and `met` on each tile or cell ({"metric", "value", ...}) that has a goal."""
    for cell in cells:
        goal = goals.get(cell["metric"].key)
        if goal is not None:
            cell["goal"] = goal
            cell["met"] = met(goal, cell["value"])
