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
