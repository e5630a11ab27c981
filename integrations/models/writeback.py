"""What write-back did in the other tool, so a resolution is announced there once."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from integrations.models.connections import Connection
from vsm.tenancy.scoping import TenantScopedModel


class WritebackAction(TenantScopedModel):
    """One write into a connected tool (a Jira comment or transition, a ServiceNow work note or
    resolution) caused by one resolution of a linked record.

    The row is written before the request is sent and is unique per (target connection, kind,
    target, cause, resolution time): a second pass over the same resolution finds it and sends
    nothing. A record resolved again after being reopened is a new resolution."""

    class Kind(models.TextChoices):
        JIRA_COMMENT = "jira_comment", "Jira comment"
        JIRA_TRANSITION = "jira_transition", "Jira transition"
        SERVICENOW_WORK_NOTE = "servicenow_work_note", "ServiceNow work note"
        SERVICENOW_RESOLVE = "servicenow_resolve", "ServiceNow resolution"

    class Status(models.TextChoices):
        SENDING = "sending", "Sending"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="writebacks",
                                   help_text="the connection written to")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    target = models.CharField(max_length=255, help_text="the Jira issue key or the ServiceNow sys_id")
    cause = models.CharField(max_length=80, help_text="the resolved record: incident:<id> or work_item:<id>")
    resolved_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["organization", "connection", "kind", "target", "cause", "resolved_at"],
            name="writeback_once_per_resolution")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.target}"
