from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vsm.tenancy.scoping import NamedEntity, TenantScopedModel


class ValueStream(NamedEntity):
    """A flow of value to customers (a product or product line) that services deliver into."""


class Team(NamedEntity):
    """People who own services and environments (members in TeamMember)."""


class TeamMember(TenantScopedModel):
    """Explicit membership row (not an implicit M2M table), so it is tenant-scoped like the rest."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    is_manager = models.BooleanField(default=False, help_text="team managers approve their team's environments")

    class Meta:
        ordering = ["user__email"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="teammember_unique")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class Service(TenantScopedModel):
    """A deployable component: what CI builds and deploys."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60)
    repository_url = models.URLField(blank=True)
    value_stream = models.ForeignKey(
        ValueStream, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="services")
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="service_unique_slug")]

    def __str__(self) -> str:
        return self.name
