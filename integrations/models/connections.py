"""Connections to the toolchain, their sync runs and the webhook deliveries they receive."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from integrations.normalized import Source
from vsm import crypto
from vsm.tenancy.scoping import TenantScopedModel

_KIND_LABELS = {Source.GITHUB: "GitHub", Source.GITLAB: "GitLab", Source.SERVICENOW: "ServiceNow"}
ConnectionKind = models.TextChoices(
    "ConnectionKind", [(s.name, (s.value, _KIND_LABELS.get(s, s.value.title()))) for s in Source])


class Connection(TenantScopedModel):
    """One configured source (a GitHub organization, a Jira site, a ServiceNow instance, ...).

    Secrets are stored encrypted (vsm.crypto) and never shown again after saving. A connection
    that has records is archived (``is_active`` off), not deleted: the records it brought in are
    the organization's delivery history (the foreign keys protect them)."""

    kind = models.CharField(max_length=16, choices=ConnectionKind.choices)
    name = models.CharField(max_length=120)
    base_url = models.URLField(blank=True, help_text="API root of the source; empty for push-only sources")
    webhook_secret_encrypted = models.TextField(blank=True, editable=False)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    # Source-specific pull settings: repositories, project paths, JQL, Jenkins jobs, ...
    options = models.JSONField(default=dict, blank=True)
    # Overrides of integrations.mapping.DEFAULTS; the effective mapping is the two overlaid.
    mapping = models.JSONField(default=dict, blank=True)
    # Where each stream of the pull sync stopped: {"<stream>": <connector cursor>}, saved in the
    # same transaction as each page's rows.
    cursors = models.JSONField(default=dict, blank=True, editable=False)
    is_active = models.BooleanField(default=True)
    sync_enabled = models.BooleanField(default=False, help_text="pull from the source on a schedule")
    sync_interval_minutes = models.PositiveIntegerField(default=15)
    writeback_enabled = models.BooleanField(
        default=False, help_text="comment on and transition linked records in the other tool when one is resolved")
    last_synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="connection_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def webhook_secret(self) -> str:
        return crypto.decrypt(self.webhook_secret_encrypted)

    @webhook_secret.setter
    def webhook_secret(self, value: str) -> None:
        self.webhook_secret_encrypted = crypto.encrypt(value)

    @property
    def credentials(self) -> str:
        return crypto.decrypt(self.credentials_encrypted)

    @credentials.setter
    def credentials(self, value: str) -> None:
        self.credentials_encrypted = crypto.encrypt(value)

    @property
    def has_webhook_secret(self) -> bool:
        return bool(self.webhook_secret_encrypted)

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)


class SyncRun(TenantScopedModel):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Sync now"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="sync_runs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=16, choices=Trigger.choices, default=Trigger.SCHEDULE)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pages = models.PositiveIntegerField(default=0)
    fetched = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    current_stream = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["organization", "connection", "-queued_at"], name="syncrun_conn_queued")]

    def __str__(self) -> str:
        return f"sync of {self.connection_id} ({self.status})"


class WebhookDelivery(TenantScopedModel):
    """Every delivery that passed the signature check, kept with its body so it can be shown and
    replayed. A delivery with a bad signature is answered 401 and not stored (anyone can send
    those; storing them would let strangers fill the table)."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="deliveries")
    received_at = models.DateTimeField(default=timezone.now)
    event = models.CharField(max_length=120, blank=True)
    delivery_id = models.CharField(max_length=200, blank=True, help_text="the source's delivery id header")
    content_type = models.CharField(max_length=200, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.TextField(blank=True)
    body_sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    outcome = models.TextField(blank=True, help_text="what processing did, or why it was ignored or failed")
    records_created = models.PositiveIntegerField(default=0)
    records_updated = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    replay_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["organization", "connection", "-received_at"], name="delivery_conn_received")]

    def __str__(self) -> str:
        return f"{self.event or 'delivery'} {self.delivery_id}".strip()


class DeliverySettings(TenantScopedModel):
    """How an organization reads its delivery data. Without a stored row the defaults apply."""

    attribute_incidents_by_time = models.BooleanField(
        default=True, help_text="attribute an incident with no named cause to its service's last production deployment")
    incident_attribution_hours = models.PositiveIntegerField(
        default=168, help_text="how long after a production deployment an incident may be attributed to it")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="deliverysettings_one_per_org")]
        verbose_name_plural = "delivery settings"

    def __str__(self) -> str:
        return "delivery settings"
