from __future__ import annotations

import hashlib
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from vsm.tenancy.roles import Perm, Role, role_has
from vsm.tenancy.scoping import TenantScopedModel

TIME_ZONE_CHOICES = sorted((tz, tz) for tz in zoneinfo.available_timezones())


def secret_digest(secret: str) -> str:
    """What is stored of a secret handed out once (API tokens, invitation links): its SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"'{value}' is not a known IANA time zone.")


class Organization(models.Model):
    """The tenant. Not tenant-scoped itself: it is what scopes everything else."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Membership(TenantScopedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user"),
        ]
        ordering = ["user__email"]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"

    def has(self, perm: Perm) -> bool:
        return role_has(self.role, perm)


class ApiToken(TenantScopedModel):
    """A service token for CI jobs. Only a SHA-256 of the secret is stored; the secret is shown
    once, when the token is created."""

    name = models.CharField(max_length=100)
    role = models.CharField(max_length=32, choices=Role.choices, default=Role.ENGINEER)
    prefix = models.CharField(max_length=16, help_text="the first characters, to recognise a token")
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def has(self, perm: Perm) -> bool:
        return role_has(self.role, perm)


class Invitation(TenantScopedModel):
    """A person asked to join by email. They become a member only when they accept, through the
    link sent to that address, signed in as it (or creating the account for it). Only a SHA-256 of
    the link's secret is stored; the secret is in the email and nowhere else."""

    class Status(models.TextChoices):
        INVITED = "invited", "Invited"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"
        ACCEPTED = "accepted", "Accepted"

    email = models.EmailField()
    role = models.CharField(max_length=32, choices=Role.choices)
    digest = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True, help_text="why the email could not be sent")

    class Meta:
        constraints = [
            # One open invitation per address; an expired one is revoked when the address is invited again.
            models.UniqueConstraint(fields=["organization", "email"], name="invitation_one_open_per_email",
                                    condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True)),
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()}, {self.status})"

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.INVITED

    @property
    def is_open(self) -> bool:
        """Neither accepted nor revoked (it may have expired)."""
        return self.accepted_at is None and self.revoked_at is None
