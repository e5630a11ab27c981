"""Releases, release trains (a parent with child releases), phases with their entry and exit
gates, the templates releases are made from, and dependencies between releases."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from environments.models import Tier
from vsm.tenancy.scoping import TenantScopedModel


class ReleaseKind(models.TextChoices):
    ENTERPRISE = "enterprise", "Enterprise release (train)"
    PROJECT = "project", "Project release"
    EMERGENCY = "emergency", "Emergency / hotfix"


class ReleaseStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    RELEASED = "released", "Released"
    CANCELLED = "cancelled", "Cancelled"


class Risk(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class Strategy(models.TextChoices):
    ROLLING = "rolling", "Rolling"
    CANARY = "canary", "Canary"
    BLUE_GREEN = "blue_green", "Blue-green"


class PhaseStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    DONE = "done", "Done"


class ReleaseTemplate(TenantScopedModel):
    """A named set of phases, each with the criteria of its entry and exit gates: a release is
    made from it in one step."""

    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="releasetemplate_unique_name")]

    def __str__(self) -> str:
        return self.name


class TemplatePhase(TenantScopedModel):
    """One phase of a template. `entry_criteria` and `exit_criteria` are lists of criteria as
    gates.services.gate_create takes them (title, type, signer_role or rule and params)."""

    template = models.ForeignKey(ReleaseTemplate, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=60)
    tier = models.CharField(max_length=16, choices=Tier.choices, blank=True,
                            help_text="the tier of environment the phase targets; picked per value stream")
    duration_days = models.PositiveSmallIntegerField(default=5)
    entry_criteria = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    exit_criteria = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "order"], name="templatephase_unique_order")]

    def __str__(self) -> str:
        return f"{self.template} · {self.name}"


class Release(TenantScopedModel):
    value_stream = models.ForeignKey("catalog.ValueStream", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="releases", help_text="empty for a train across value streams")
    name = models.CharField(max_length=200)
    version = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=ReleaseKind.choices, default=ReleaseKind.PROJECT)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children",
                               help_text="the release train this release rolls up into")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_releases", help_text="the accountable release manager")
    status = models.CharField(max_length=16, choices=ReleaseStatus.choices, default=ReleaseStatus.DRAFT)
    risk = models.CharField(max_length=16, choices=Risk.choices, default=Risk.MEDIUM)
    strategy = models.CharField(max_length=16, choices=Strategy.choices, default=Strategy.ROLLING,
                                help_text="how the deployment plan rolls the release out")
    description = models.TextField(blank=True)
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    template = models.ForeignKey(ReleaseTemplate, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="releases")
    services = models.ManyToManyField("catalog.Service", through="ReleaseService", blank=True, related_name="releases")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["planned_start", "id"]
        indexes = [models.Index(fields=["organization", "status"]),
                   models.Index(fields=["organization", "planned_start", "planned_end"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(parent=models.F("id")), name="release_not_own_parent"),
            models.CheckConstraint(
                condition=models.Q(planned_end__isnull=True) | models.Q(planned_start__isnull=True)
                | models.Q(planned_end__gte=models.F("planned_start")), name="release_planned_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}"

    @property
    def is_train(self) -> bool:
        return self.kind == ReleaseKind.ENTERPRISE

    @property
    def is_closed(self) -> bool:
        return self.status in (ReleaseStatus.RELEASED, ReleaseStatus.CANCELLED)


class ReleaseService(TenantScopedModel):
    """A service in a release's scope, with the version it ships in it (empty: the release's)."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="service_links")
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="release_links")
    version = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["service__slug"]
        constraints = [models.UniqueConstraint(fields=["release", "service"], name="releaseservice_unique")]

    def __str__(self) -> str:
        return f"{self.service_id}@{self.version or self.release_id}"


class Phase(TenantScopedModel):
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(max_length=60)
    order = models.PositiveSmallIntegerField()
    environment = models.ForeignKey("environments.Environment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="release_phases")
    planned_start = models.DateTimeField()
    planned_end = models.DateTimeField()
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=PhaseStatus.choices, default=PhaseStatus.PENDING)
    # Gates are evidence: a phase never takes its gates away with it.
    entry_gate = models.ForeignKey("gates.Gate", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    exit_gate = models.ForeignKey("gates.Gate", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["release", "order"]
        indexes = [models.Index(fields=["organization", "environment", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["release", "order"], name="phase_unique_order"),
            models.CheckConstraint(condition=models.Q(planned_end__gt=models.F("planned_start")),
                                   name="phase_planned_in_order"),
            models.UniqueConstraint(fields=["release"], condition=models.Q(status="active"),
                                    name="phase_one_active_per_release"),
        ]

    def __str__(self) -> str:
        return f"{self.name} of {self.release_id}"


class ReleaseDependency(TenantScopedModel):
    """`release` needs `depends_on` finished by `needed_by` (empty: the release's planned start)."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="dependencies")
    depends_on = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="dependents")
    needed_by = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["release", "id"]
        constraints = [
            models.UniqueConstraint(fields=["release", "depends_on"], name="releasedependency_unique"),
            models.CheckConstraint(condition=~models.Q(release=models.F("depends_on")),
                                   name="releasedependency_not_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.release_id} needs {self.depends_on_id}"
