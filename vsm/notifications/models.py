from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vsm.crypto import decrypt, encrypt
from vsm.tenancy.scoping import TenantScopedModel


class NotificationKind(models.TextChoices):
    APPROVAL_NEEDED = "approval_needed", "Approval needed"
    DECISION_MADE = "decision_made", "Decision made"
    GATE_FAILED = "gate_failed", "Gate failed"
    BOOKING_STARTING = "booking_starting", "Booking starting"
    GENERAL = "general", "General"


class Notification(TenantScopedModel):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices, default=NotificationKind.GENERAL)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="a path in Sluice the notification is about")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "recipient", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class ChatWebhook(TenantScopedModel):
    """An organization's Slack- or Teams-style incoming webhook. The URL is a secret (whoever has
    it can post into the channel), so it is stored encrypted and never shown again."""

    class Flavor(models.TextChoices):
        SLACK = "slack", "Slack (or compatible: Mattermost, Rocket.Chat)"
        TEAMS = "teams", "Microsoft Teams"

    name = models.CharField(max_length=100)
    flavor = models.CharField(max_length=16, choices=Flavor.choices, default=Flavor.SLACK)
    url_encrypted = models.TextField()
    kinds = models.JSONField(default=list, blank=True, help_text="notification kinds sent; empty means all")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_delivery_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        return decrypt(self.url_encrypted)

    @url.setter
    def url(self, value: str) -> None:
        self.url_encrypted = encrypt(value)

    def wants(self, kind: str) -> bool:
        return self.is_active and (not self.kinds or kind in self.kinds)


class ChatDelivery(TenantScopedModel):
    """One notification posted (or attempted) to one webhook: makes the task idempotent."""

    notification_key = models.CharField(max_length=64)
    webhook = models.ForeignKey(ChatWebhook, on_delete=models.CASCADE, related_name="deliveries")
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["webhook", "notification_key"], name="chatdelivery_unique"),
        ]
