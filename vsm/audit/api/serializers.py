from __future__ import annotations

from rest_framework import serializers

from vsm.audit.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", read_only=True)

    class Meta:
        model = AuditEvent
        fields = ["id", "occurred_at", "actor", "action", "object_type", "object_id", "object_repr",
                  "before", "after", "message", "request_id"]
        read_only_fields = fields


class AuditFilterSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=80, required=False,
                                   help_text="a prefix: 'service.' matches every service change")
    object_type = serializers.CharField(max_length=80, required=False, help_text="e.g. catalog.service")
    object_id = serializers.CharField(max_length=64, required=False)
    actor = serializers.CharField(max_length=254, required=False, help_text="part of an email or 'token:<name>'")
    since = serializers.DateField(required=False, help_text="first day, inclusive (UTC)")
    until = serializers.DateField(required=False, help_text="last day, inclusive (UTC)")
