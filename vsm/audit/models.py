from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from vsm.tenancy.scoping import TenantScopedModel, organization_key


class AuditEvent(TenantScopedModel):
    """One change, as it happened. PostgreSQL refuses UPDATE and DELETE on this table (see
    vsm.tenancy.rls), so the trail cannot be rewritten by the application."""

    append_only = True

    # Every write of the platform adds a row, so each index costs every write: the trail is read
    # within one organization (row-level security), newest first, by action prefix or by object,
    # so three indexes lead with the organization and nothing else is indexed.
    organization = organization_key(db_index=False)
    occurred_at = models.DateTimeField(default=timezone.now)
    # No database constraint: removing a person or a token must never rewrite the trail (and no
    # index: nothing looks events up by actor).
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, db_index=False, related_name="+",
    )
    actor_token = models.ForeignKey(
        "tenancy.ApiToken", null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, db_index=False, related_name="+",
    )
    actor_label = models.CharField(max_length=254)
    action = models.CharField(max_length=80, help_text="e.g. service.created")
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=250, blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    message = models.CharField(max_length=500, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["organization", "object_type", "object_id"]),
                   models.Index(fields=["organization", "-occurred_at", "-id"], name="auditevent_newest"),
                   # The action filter is a prefix (LIKE 'service.%'), which only a pattern index serves.
                   models.Index(fields=["organization", "action"], opclasses=["int8_ops", "varchar_pattern_ops"],
                                name="auditevent_action")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"
