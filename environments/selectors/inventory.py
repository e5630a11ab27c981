"""Reads of the inventory: environments, groups, and who manages or approves them."""

from __future__ import annotations

from django.db.models import QuerySet

from environments.models import Environment, EnvironmentGroup
from vsm.accounts.models import User
from vsm.catalog.models import Team, TeamMember
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm


def environment_list() -> QuerySet[Environment]:
    """By name; filtered by environments.filters.EnvironmentFilter."""
    return Environment.objects.select_related("value_stream", "owning_team", "group").order_by("name")


def environment_get(*, slug: str) -> Environment | None:
    return environment_list().filter(slug=slug).first()


def group_list() -> QuerySet[EnvironmentGroup]:
    return EnvironmentGroup.objects.order_by("name")


def group_get(*, slug: str) -> EnvironmentGroup | None:
    return EnvironmentGroup.objects.filter(slug=slug).first()


def team_ids_of(*, user: User | None) -> set[int]:
    if user is None:
        return set()
    return set(TeamMember.objects.filter(user=user).values_list("team_id", flat=True))


def teams_of(*, user: User) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user).order_by("name")


def bookable_teams(*, actor: Actor) -> QuerySet[Team]:
    """The teams `actor` may book for: every team for environment managers, else their own
    (the rule booking_request applies)."""
    if actor.has(Perm.MANAGE_ENVIRONMENTS):
        return Team.objects.order_by("name")
    return teams_of(user=actor.user) if actor.user is not None else Team.objects.none()


def managed_team_ids(*, user: User | None) -> set[int]:
    if user is None:
        return set()
    return set(TeamMember.objects.filter(user=user, is_manager=True).values_list("team_id", flat=True))


def is_environment_manager(*, actor: Actor, environment: Environment) -> bool:
    """Environment managers by role, and the managers of the team that owns the environment."""
    if actor.has(Perm.MANAGE_ENVIRONMENTS):
        return True
    return environment.owning_team_id is not None and environment.owning_team_id in managed_team_ids(
        user=actor.user)


def can_approve(*, actor: Actor, environment: Environment) -> bool:
    return actor.has(Perm.APPROVE_BOOKINGS) or is_environment_manager(actor=actor, environment=environment)
