"""Environments, the bookings that reserve them, the outages that block them, the leases CI jobs
hold while deploying, deployment approvals and provisioning requests.

Periods are half-open ranges `[start, end)` stored in UTC, so a booking that ends at 10:00 and
one that starts at 10:00 do not overlap.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.contrib.postgres.indexes import GistIndex
from django.db import models
from django.utils import timezone
from psycopg2.extras import DateTimeTZRange

from vsm.tenancy.scoping import NamedEntity, TenantScopedModel


def make_period(start: datetime, end: datetime) -> DateTimeTZRange:
    return DateTimeTZRange(start, end, "[)")


class PeriodBounds:
    """`start` and `end` of a model's `period` (a half-open range, see make_period)."""

    @property
    def start(self) -> datetime:
        return self.period.lower

    @property
    def end(self) -> datetime:
        return self.period.upper


class Tier(models.TextChoices):
    DEVELOPMENT = "development", "Development"
    TEST = "test", "Test"
    INTEGRATION = "integration", "Integration (SIT)"
    UAT = "uat", "UAT"
    PERFORMANCE = "performance", "Performance"
    STAGING = "staging", "Staging"
    PRODUCTION = "production", "Production"


class EnvironmentGroup(NamedEntity):
    """Environments booked together (a test stack): booking the group books every member."""


class Environment(TenantScopedModel):
    class Status(models.TextChoices):
        AVAILABLE = "available", "Available"
        MAINTENANCE = "maintenance", "In maintenance"
        DOWN = "down", "Down"

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60)
    tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.TEST)
    is_production = models.BooleanField(default=False)
    value_stream = models.ForeignKey("catalog.ValueStream", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="environments", help_text="empty: shared by every stream")
    owning_team = models.ForeignKey("catalog.Team", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="environments", help_text="its managers approve bookings")
    group = models.ForeignKey(EnvironmentGroup, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="environments")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AVAILABLE)
    status_reason = models.CharField(max_length=300, blank=True)
    url = models.URLField(blank=True)
    description = models.TextField(blank=True)
    is_bookable = models.BooleanField(default=True)
    requires_booking = models.BooleanField(
        default=True, help_text="CI must hold a booking to get a lease; production usually does not")
    requires_approval = models.BooleanField(default=False, help_text="bookings wait for a manager's approval")
    requires_deployment_approval = models.BooleanField(
        default=False, help_text="each deployment waits for a manager's approval")
    max_booking_hours = models.PositiveIntegerField(null=True, blank=True, help_text="empty: no limit")
    capacity = models.PositiveSmallIntegerField(default=1, help_text="how many approved bookings may overlap")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="environment_unique_slug"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="environment_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_booking(self) -> bool:
        """Whether a deployment or a CI lease here must come under an approved booking."""
        return self.is_bookable and self.requires_booking


class BookingKind(models.TextChoices):
    CODE = "code", "Code"
    CONFIG = "config", "Configuration"
    REGRESSION = "regression", "Regression"
    PERFORMANCE = "performance", "Performance"
    DEMO = "demo", "Demo"


class BookingSeries(TenantScopedModel):
    """The recurrence rule (RFC 5545) a set of bookings was made from; each occurrence is a Booking."""

    rrule = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.rrule


class Booking(PeriodBounds, TenantScopedModel):
    class Status(models.TextChoices):
        REQUESTED = "requested", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"
        RELEASED = "released", "Released early"

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="bookings")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="environment_bookings")
    requester_label = models.CharField(max_length=254, help_text="who asked: a person's email or a token's name")
    requested_by_token = models.ForeignKey("tenancy.ApiToken", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", help_text="the token that asked, when a CI job did")
    team = models.ForeignKey("catalog.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings")
    purpose = models.CharField(max_length=500)
    kind = models.CharField(max_length=16, choices=BookingKind.choices, default=BookingKind.CODE)
    release_ref = models.CharField(max_length=120, blank=True, help_text="the release this booking serves")
    period = DateTimeRangeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    # Copied from the environment when the booking is approved: the exclusion constraint can only
    # look at this row, and it must bind exactly the bookings of capacity-1 environments.
    exclusive = models.BooleanField(default=True)
    series = models.ForeignKey(BookingSeries, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="bookings")
    via_group = models.ForeignKey(EnvironmentGroup, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="bookings")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_by_token = models.ForeignKey("tenancy.ApiToken", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+", help_text="the token that decided, when a CI job did")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["period"]
        indexes = [GistIndex(fields=["environment", "period"], name="booking_env_period_gist")]
        constraints = [
            ExclusionConstraint(
                name="booking_no_overlap_when_exclusive",
                expressions=[("environment", RangeOperators.EQUAL), ("period", RangeOperators.OVERLAPS)],
                condition=models.Q(status="approved", exclusive=True),
            ),
            models.CheckConstraint(condition=models.Q(period__isempty=False), name="booking_period_not_empty"),
        ]

    def __str__(self) -> str:
        # No time in the label: audit events keep it as written, for readers in any zone, and an
        # extend or move would change it; the times are in the event's before/after.
        return f"booking {self.pk} of {self.environment}"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.REQUESTED, self.Status.APPROVED)


class Outage(PeriodBounds, TenantScopedModel):
    """A maintenance or outage window: no booking may overlap it, and no lease is granted in it."""

    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", "Maintenance"
        OUTAGE = "outage", "Outage"

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="outages")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MAINTENANCE)
    period = DateTimeRangeField()
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["period"]
        indexes = [GistIndex(fields=["environment", "period"], name="outage_env_period_gist")]
        constraints = [
            models.CheckConstraint(condition=models.Q(period__isempty=False), name="outage_period_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.environment}: {self.reason}"


class Lease(TenantScopedModel):
    """A short hold a CI job takes on an environment while it deploys. Valid while not released and
    `expires_at` is in the future: an abandoned lease frees the environment by itself."""

    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="leases")
    booking = models.ForeignKey(Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="leases")
    team = models.ForeignKey("catalog.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    service_slug = models.CharField(max_length=60, blank=True)
    version = models.CharField(max_length=120, blank=True)
    holder_label = models.CharField(max_length=254)
    token_digest = models.CharField(max_length=64, unique=True)
    acquired_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-acquired_at"]
        indexes = [models.Index(fields=["environment", "expires_at"])]

    def __str__(self) -> str:
        return f"lease on {self.environment} by {self.holder_label}"

    def is_valid(self, now: datetime | None = None) -> bool:
        return self.released_at is None and self.expires_at > (now or timezone.now())


class Decision(models.TextChoices):
    REQUESTED = "requested", "Awaiting approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class DeploymentApprovalRequest(TenantScopedModel):
    environment = models.ForeignKey(Environment, on_delete=models.CASCADE, related_name="deployment_approvals")
    service = models.ForeignKey("catalog.Service", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    service_slug = models.CharField(max_length=60)
    version = models.CharField(max_length=120)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requester_label = models.CharField(max_length=254)
    requested_by_token = models.ForeignKey("tenancy.ApiToken", null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="+", help_text="the token that asked, when a CI job did")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Decision.choices, default=Decision.REQUESTED)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_by_token = models.ForeignKey("tenancy.ApiToken", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+", help_text="the token that decided, when a CI job did")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.service_slug} {self.version} to {self.environment}"


class ProvisioningRequest(TenantScopedModel):
    """A team asks for a new environment. Each step keeps its time: slow provisioning is one of
    the waits the platform measures."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        PROVISIONING = "provisioning", "Provisioning"
        READY = "ready", "Ready"
        DECLINED = "declined", "Declined"

    team = models.ForeignKey("catalog.Team", on_delete=models.CASCADE, related_name="provisioning_requests")
    tier = models.CharField(max_length=16, choices=Tier.choices)
    purpose = models.CharField(max_length=500)
    needed_by = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requester_label = models.CharField(max_length=254)
    requested_at = models.DateTimeField(default=timezone.now)
    provisioning_at = models.DateTimeField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    environment = models.ForeignKey(Environment, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", help_text="the environment it became, once ready")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_tier_display()} for {self.team}: {self.purpose}"
