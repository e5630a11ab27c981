"""Release slots (production release windows with a capacity), deployment plans, the
organization's release settings, and the record of every "may I deploy?" check."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from releases.models.freezes import RecurringWindow
from vsm.tenancy.scoping import TenantScopedModel


class ReleaseSettings(TenantScopedModel):
    """How an organization runs releases. Without a stored row the defaults apply."""

    require_release_slots = models.BooleanField(
        default=False, help_text="production deployments are denied outside a release slot booked for the release")
    # Bumped with every change to a freeze window (releases/signals.py): readers keep the freeze
    # rules in memory under it (releases/selectors/freeze_rules.py).
    rules_version = models.PositiveBigIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="releasesettings_one_per_org")]
        verbose_name_plural = "release settings"

    def __str__(self) -> str:
        return "release settings"


class ReleaseSlotWindow(RecurringWindow):
    """A production release window ("Tuesday and Thursday 18:00-22:00"); each occurrence is a
    slot that `capacity` releases may book."""

    name = models.CharField(max_length=200)
    capacity = models.PositiveSmallIntegerField(default=3)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="releaseslotwindow_ends_after_start"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="releaseslotwindow_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class SlotBooking(TenantScopedModel):
    """A release booked into one occurrence of a slot window."""

    window = models.ForeignKey(ReleaseSlotWindow, on_delete=models.CASCADE, related_name="bookings")
    release = models.ForeignKey("releases.Release", on_delete=models.CASCADE, related_name="slot_bookings")
    slot_start = models.DateTimeField()
    slot_end = models.DateTimeField()
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    booked_by_label = models.CharField(max_length=254)
    booked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["slot_start", "id"]
        indexes = [models.Index(fields=["organization", "slot_start", "slot_end"])]
        constraints = [
            models.UniqueConstraint(fields=["window", "slot_start", "release"], name="slotbooking_once_per_slot"),
        ]

    def __str__(self) -> str:
        return f"slot booking {self.pk} of release {self.release_id} in window {self.window_id}"


class ActivityKind(models.TextChoices):
    MANUAL = "manual", "Manual"
    AUTOMATED = "automated", "Automated (completed by CI)"


class ActivityStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"


class DeploymentActivity(TenantScopedModel):
    """One step of a release's deployment plan (runbook)."""

    release = models.ForeignKey("releases.Release", on_delete=models.CASCADE, related_name="activities")
    order = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ActivityKind.choices, default=ActivityKind.MANUAL)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    planned_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=ActivityStatus.choices, default=ActivityStatus.PENDING)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by_label = models.CharField(max_length=254, blank=True)
    evidence_url = models.URLField(max_length=1000, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["release", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["release", "order"], name="deploymentactivity_unique_order")]
        verbose_name_plural = "deployment activities"

    def __str__(self) -> str:
        return self.title


class Decision(models.TextChoices):
    ALLOW = "allow", "Allow"
    WARN = "warn", "Allow with warnings"
    DENY = "deny", "Deny"


class DeploymentCheck(TenantScopedModel):
    """One answer to "may I deploy?", as given: the inputs, the decision and every reason. It is
    evidence (PostgreSQL refuses UPDATE and DELETE), and the time denied checks wait feeds the
    "waits" metrics. Links survive the removal of what they point at."""

    append_only = True

    service = models.ForeignKey("catalog.Service", null=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                related_name="+")
    service_slug = models.CharField(max_length=60)
    environment = models.ForeignKey("environments.Environment", null=True, on_delete=models.DO_NOTHING,
                                    db_constraint=False, related_name="+")
    environment_slug = models.CharField(max_length=60)
    version = models.CharField(max_length=120)
    release = models.ForeignKey("releases.Release", null=True, blank=True, on_delete=models.DO_NOTHING,
                                db_constraint=False, related_name="deployment_checks")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reasons = models.JSONField(default=list, blank=True, encoder=DjangoJSONEncoder)
    retry_after = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)
    checked_by_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                                        db_constraint=False, related_name="+")
    checked_by_token = models.ForeignKey("tenancy.ApiToken", null=True, blank=True, on_delete=models.DO_NOTHING,
                                         db_constraint=False, related_name="+")
    checked_by_label = models.CharField(max_length=254)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["organization", "-checked_at"]),
                   models.Index(fields=["organization", "environment_slug", "service_slug", "-checked_at"])]

    def __str__(self) -> str:
        return f"{self.service_slug} {self.version} to {self.environment_slug}: {self.decision}"
