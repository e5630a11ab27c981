"""API shapes of connections, sync runs and webhook deliveries. Secrets are write-only: the
output says whether each is set; a webhook secret Sluice generated is answered once."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from integrations.models import Connection, ConnectionKind, SyncRun, WebhookDelivery
from vsm.api.inputs import InputSerializer


class ConnectionSerializer(serializers.ModelSerializer):
    webhook_url = serializers.SerializerMethodField()
    webhook_secret = serializers.SerializerMethodField(
        help_text="Only in the answer that created or regenerated it; never again.")

    class Meta:
        model = Connection
        fields = ["id", "kind", "name", "base_url", "options", "mapping", "sync_enabled", "sync_interval_minutes",
                  "writeback_enabled", "is_active", "has_webhook_secret", "has_credentials", "webhook_url",
                  "webhook_secret", "cursors", "last_synced_at", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_webhook_url(self, connection: Connection) -> str:
        path = reverse("webhook-receive", kwargs={"connection_id": connection.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_webhook_secret(self, connection: Connection) -> str | None:
        return getattr(connection, "revealed_webhook_secret", None)


class ConnectionInputSerializer(InputSerializer):
    kind = serializers.ChoiceField(choices=ConnectionKind.choices)
    name = serializers.CharField(max_length=120)
    base_url = serializers.URLField(max_length=200, required=False, allow_blank=True)
    webhook_secret = serializers.CharField(max_length=500, required=False, allow_blank=True, write_only=True,
                                           trim_whitespace=True)
    credentials = serializers.JSONField(
        required=False, write_only=True, help_text='a token as text, or {"token"} or {"username", "password"}')
    options = serializers.JSONField(required=False)
    mapping = serializers.JSONField(required=False)
    sync_enabled = serializers.BooleanField(required=False)
    sync_interval_minutes = serializers.IntegerField(min_value=1, required=False)
    writeback_enabled = serializers.BooleanField(required=False)


class ConnectionChangeSerializer(ConnectionInputSerializer):
    kind = None  # a connection keeps its kind; make a new one for another tool
    name = serializers.CharField(max_length=120, required=False)
    regenerate_webhook_secret = serializers.BooleanField(required=False, default=False)


class ProbeSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    message = serializers.CharField()


class SyncRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = SyncRun
        fields = ["id", "connection", "status", "trigger", "requested_by", "queued_at", "started_at", "finished_at",
                  "current_stream", "pages", "fetched", "created", "updated", "errors", "error_message"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = ["id", "connection", "received_at", "event", "delivery_id", "status", "outcome", "records_created",
                  "records_updated", "processed_at", "replay_count"]
        read_only_fields = fields


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    class Meta(WebhookDeliverySerializer.Meta):
        fields = [*WebhookDeliverySerializer.Meta.fields, "content_type", "headers", "body", "body_sha256"]
        read_only_fields = fields
