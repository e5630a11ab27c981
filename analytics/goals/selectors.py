"""Reads of the metric goals: the list, and the goals that hold for a scope (its own, else the
organization's, metric by metric)."""

from __future__ import annotations

from django.db.models import QuerySet

from analytics.models import GoalScope, MetricGoal
from analytics.query import MetricQuery


def goal_list() -> QuerySet[MetricGoal]:
    return MetricGoal.objects.select_related("value_stream", "team").order_by("scope", "metric", "id")


def goal_get(*, goal_id: int) -> MetricGoal | None:
    return goal_list().filter(pk=goal_id).first()


def goals_by_group(goals: list[MetricGoal]) -> dict[tuple[str, int | str | None], dict[str, MetricGoal]]:
    """{(scope, group id): {metric: goal}}, also under (scope, group slug) for the breakdown's
    rows, which name their groups by slug; the organization's under ("organization", None).
    The goals come from goal_list (their groups read with them)."""
    result: dict[tuple[str, int | str | None], dict[str, MetricGoal]] = {}
    for goal in goals:
        group = goal.value_stream if goal.scope == GoalScope.VALUE_STREAM else goal.team
        keys = [(goal.scope, None)] if group is None else [(goal.scope, group.pk), (goal.scope, group.slug)]
        for key in keys:
            result.setdefault(key, {})[goal.metric] = goal
    return result


def query_group(query: MetricQuery) -> tuple[str, int | None]:
    """The group whose goals a report of `query` is held to: one value stream or one team alone,
    else the organization (a mix of scopes or several groups has no goal of its own)."""
    if len(query.value_streams) == 1 and not query.teams and not query.services:
        return GoalScope.VALUE_STREAM, query.value_streams[0]
    if len(query.teams) == 1 and not query.value_streams and not query.services:
        return GoalScope.TEAM, query.teams[0]
    return GoalScope.ORGANIZATION, None


def goals_for(by_group: dict, group: tuple[str, int | None]) -> dict[str, MetricGoal]:
    """Each metric's goal for `group`: its own, else the organization's."""
    return {**by_group.get((GoalScope.ORGANIZATION, None), {}), **by_group.get(group, {})}
