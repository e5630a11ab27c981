"""Freeze windows (blackouts) and the break-glass overrides that let a deployment through one."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from environments.models import Tier
from releases.recurrence import Recurrence
from vsm.tenancy.models import validate_time_zone
from vsm.tenancy.scoping import TenantScopedModel


class RecurringWindow(TenantScopedModel):
    """A first occurrence [starts_at, ends_at), repeated by `rrule` (RFC 5545, local wall-clock
    time in `time_zone`) except at `exdates`. `last_ends_at` is stored so queries can skip
    windows that are over; it is empty while the rule has no end."""

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    rrule = models.CharField(max_length=500, blank=True, help_text="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=FR")
    exdates = ArrayField(models.DateTimeField(), default=list, blank=True,
                         help_text="starts of occurrences that do not happen (EXDATE)")
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    last_ends_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def recurrence(self) -> Recurrence:
        return Recurrence(self.starts_at, self.ends_at, self.rrule, tuple(self.exdates or ()), self.time_zone)

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule)


class FreezeScope(models.TextChoices):
    ORGANIZATION = "organization", "Whole organization"
    VALUE_STREAM = "value_stream", "Value stream"
    ENVIRONMENTS = "environments", "Environments"
    TIER = "tier", "Environment tier"


class FreezeWindow(RecurringWindow):
    """No deployment into the environments in scope while an occurrence runs, unless overridden."""

    name = models.CharField(max_length=200)
    reason = models.TextField(blank=True)
    scope = models.CharField(max_length=16, choices=FreezeScope.choices, default=FreezeScope.ORGANIZATION)
    value_stream = models.ForeignKey("catalog.ValueStream", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="freeze_windows")
    tier = models.CharField(max_length=16, choices=Tier.choices, blank=True)
    environments = models.ManyToManyField("environments.Environment", through="FreezeWindowEnvironment",
                                          blank=True, related_name="freeze_windows")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["organization", "starts_at", "last_ends_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                   name="freezewindow_ends_after_start"),
            models.CheckConstraint(
                name="freezewindow_scope_fields",
                condition=(models.Q(scope="value_stream", value_stream__isnull=False)
                           | (~models.Q(scope="value_stream") & models.Q(value_stream__isnull=True)))
                & (models.Q(scope="tier") & ~models.Q(tier="") | ~models.Q(scope="tier") & models.Q(tier=""))),
        ]

    def __str__(self) -> str:
        return self.name


class FreezeWindowEnvironment(TenantScopedModel):
    """The environments a freeze window of scope "environments" covers (an explicit, tenant-scoped
    link table rather than Django's implicit one)."""

    freeze_window = models.ForeignKey(FreezeWindow, on_delete=models.CASCADE, related_name="environment_links")
    environment = models.ForeignKey("environments.Environment", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["freeze_window", "environment"], name="freezewindowenv_unique")]

    def __str__(self) -> str:
        return f"{self.freeze_window_id} covers {self.environment_id}"


class FreezeOverride(TenantScopedModel):
    """Break-glass: a deployment may go ahead during a freeze, for a release or an environment,
    until `expires_at`. Granted with a reason by an emergency release or a holder of the
    override permission; audited."""

    freeze_window = models.ForeignKey(FreezeWindow, on_delete=models.CASCADE, related_name="overrides")
    release = models.ForeignKey("releases.Release", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="freeze_overrides")
    environment = models.ForeignKey("environments.Environment", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+")
    reason = models.TextField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    granted_by_label = models.CharField(max_length=254)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"override {self.pk} of freeze window {self.freeze_window_id}"
