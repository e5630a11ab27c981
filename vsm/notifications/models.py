from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from vsm.crypto import decrypt, encrypt
from vsm.moments import with_moments
from vsm.tenancy.scoping import TenantScopedModel


class NotificationKind(models.TextChoices):
    APPROVAL_NEEDED = "approval_needed", "Approval needed"
    DECISION_MADE = "decision_made", "Decision made"
    GATE_FAILED = "gate_failed", "Gate failed"
    BOOKING_STARTING = "booking_starting", "Booking starting"
    GOAL_MISSED = "goal_missed", "Goal missed"
    WEEKLY_DIGEST = "weekly_digest", "Weekly digest"
    GENERAL = "general", "General"


def new_event_key() -> str:
    return uuid.uuid4().hex


class Notification(TenantScopedModel):
    """One person's copy of an event. The recipients of one `notify()` call share `event_key`, so
    a chat channel gets the event once however many people were told."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices, default=NotificationKind.GENERAL)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # Title and body name moments as `{name}` and carry them here (ISO-8601), so each reader (the
    # page, the email, a chat channel) sees them in their own zone (vsm/moments.py).
    moments = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="a path in Sluice the notification is about")
    event_key = models.CharField(max_length=64, default=new_event_key, db_index=True)
    actor_label = models.CharField(max_length=254, blank=True, help_text="who caused it")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "recipient", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def title_text(self) -> str:
        return with_moments(self.title, self.moments)

    @property
    def body_text(self) -> str:
        return with_moments(self.body, self.moments)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


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
    last_error_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="chatwebhook_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def url(self) -> str:
        return decrypt(self.url_encrypted)

    @url.setter
    def url(self, value: str) -> None:
        self.url_encrypted = encrypt(value)

    @property
    def kind_labels(self) -> list[str]:
        return [NotificationKind(kind).label for kind in self.kinds if kind in NotificationKind.values]

    def wants(self, kind: str) -> bool:
        return self.is_active and (not self.kinds or kind in self.kinds)


class ChatDelivery(TenantScopedModel):
    """One event posted (or attempted) to one webhook. Unique per webhook and event, so running
    the delivery task again, or once per recipient of the same event, posts once."""

    event_key = models.CharField(max_length=64)
    webhook = models.ForeignKey(ChatWebhook, on_delete=models.CASCADE, related_name="deliveries")
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="HTTP requests made; 0 means not tried yet")
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event_key"], name="chatdelivery_unique"),
        ]
