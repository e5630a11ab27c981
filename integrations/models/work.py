"""What the trackers and the service desk report: work items with their status history,
incidents and change requests."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q

from integrations import normalized as n
from integrations.models.delivery import ExternalRecord, _choices
from vsm.indexes import set_reference_index
from vsm.tenancy.scoping import TenantScopedModel, organization_key

StatusCategory = _choices(n.StatusCategory, "StatusCategory")
FlowType = _choices(n.FlowType, "FlowType")
IncidentStatus = _choices(n.IncidentStatus, "IncidentStatus")
ChangeType = _choices(n.ChangeType, "ChangeType")
ChangeState = _choices(n.ChangeState, "ChangeState")
Approval = _choices(n.Approval, "Approval")


class WorkItem(ExternalRecord):
    organization = organization_key(db_index=False)  # the unique key and workitem_key lead with it
    key = models.CharField(max_length=60)
    title = models.CharField(max_length=500)
    type_raw = models.CharField(max_length=120, blank=True)
    flow_type = models.CharField(max_length=16, choices=FlowType.choices)
    status_raw = models.CharField(max_length=120, blank=True)
    status_category = models.CharField(max_length=16, choices=StatusCategory.choices)
    waiting = models.BooleanField(default=False, help_text="the current status is a waiting one")
    priority_raw = models.CharField(max_length=60, blank=True)
    severity = models.PositiveSmallIntegerField(null=True, blank=True)
    project = models.CharField(max_length=120, blank=True)
    components = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    labels = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    # Linked to releases by version: a release whose version is listed here.
    fix_versions = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    parent_key = models.CharField(max_length=60, blank=True)
    assignee = models.CharField(max_length=255, blank=True)
    # Most items name neither: indexed only where set (vsm.indexes).
    service = models.ForeignKey("catalog.Service", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="work_items", db_index=False)
    value_stream = models.ForeignKey("catalog.ValueStream", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="work_items", db_index=False)
    created_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    # Flow start (METRICS.md): the first entry into an in-progress status of the stored history.
    started_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    history_truncated = models.BooleanField(default=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [ExternalRecord.unique_key("workitem_unique_external")]
        indexes = [models.Index(fields=["organization", "key"], name="workitem_key"),
                   models.Index(fields=["organization", "resolved_at"], name="workitem_resolved"),
                   set_reference_index("service", name="workitem_service"),
                   set_reference_index("value_stream", name="workitem_value_stream")]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"


class WorkItemTransition(TenantScopedModel):
    # transition_unique_external leads with it.
    work_item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="transitions", db_index=False)
    external_id = models.CharField(max_length=255)
    at = models.DateTimeField()
    from_status = models.CharField(max_length=120, blank=True)
    to_status = models.CharField(max_length=120)
    from_category = models.CharField(max_length=16, choices=StatusCategory.choices, blank=True)
    to_category = models.CharField(max_length=16, choices=StatusCategory.choices)
    to_waiting = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["work_item", "external_id"], name="transition_unique_external")]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class ChangeRequest(ExternalRecord):
    number = models.CharField(max_length=60)
    title = models.CharField(max_length=500)
    type = models.CharField(max_length=16, choices=ChangeType.choices, blank=True)
    type_raw = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=16, choices=ChangeState.choices, blank=True)
    state_raw = models.CharField(max_length=60, blank=True)
    approval = models.CharField(max_length=16, choices=Approval.choices, blank=True,
                                help_text="empty: approval not requested")
    approval_raw = models.CharField(max_length=60, blank=True)
    risk = models.CharField(max_length=60, blank=True)
    planned_start = models.DateTimeField(null=True, blank=True)
    planned_end = models.DateTimeField(null=True, blank=True)
    actual_start = models.DateTimeField(null=True, blank=True)
    actual_end = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    close_code = models.CharField(max_length=120, blank=True)
    release = models.ForeignKey("releases.Release", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="change_requests")
    service_names = ArrayField(models.CharField(max_length=255), default=list, blank=True)
    services = models.ManyToManyField("catalog.Service", through="ChangeRequestService", related_name="change_requests")

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [ExternalRecord.unique_key("changerequest_unique_external")]
        indexes = [models.Index(fields=["organization", "number"], name="changerequest_number")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_approved(self) -> bool:
        return self.approval == n.Approval.APPROVED.value


class ChangeRequestService(TenantScopedModel):
    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="change_services")
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["change_request", "service"], name="changerequestservice_unique")]

    def __str__(self) -> str:
        return f"{self.service_id} in {self.change_request_id}"


class Incident(ExternalRecord):
    number = models.CharField(max_length=60)
    title = models.CharField(max_length=500)
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    status_raw = models.CharField(max_length=60, blank=True)
    severity = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1 (most severe) to 4")
    service = models.ForeignKey("catalog.Service", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="incidents")
    environment = models.ForeignKey("environments.Environment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="incidents")
    environment_name = models.CharField(max_length=255, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    # What the source said caused it ...
    caused_by_deployment = models.ForeignKey("integrations.Deployment", null=True, blank=True,
                                             on_delete=models.SET_NULL, related_name="named_in_incidents")
    caused_by_commit_sha = models.CharField(max_length=64, blank=True)
    caused_by_version = models.CharField(max_length=120, blank=True)
    caused_by_change = models.CharField(max_length=60, blank=True)
    work_item_keys = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    # ... and the one deployment METRICS.md attributes it to, with the rule that did.
    attributed_deployment = models.ForeignKey("integrations.Deployment", null=True, blank=True,
                                              on_delete=models.SET_NULL, related_name="attributed_incidents")
    attribution = models.CharField(max_length=32, blank=True,
                                   help_text="caused_by_deployment, caused_by_commit, caused_by_version or time_window")

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [ExternalRecord.unique_key("incident_unique_external")]
        indexes = [
            models.Index(fields=["organization", "service", "opened_at"], name="incident_service_opened"),
            # The open incidents the dashboards list (analytics.dora.incidents), in their order: the
            # first ten are read off the index instead of sorting every open one (a fifth of 100,000
            # incidents: 100 ms of the organization's dashboard).
            models.Index("organization", F("severity").asc(nulls_last=True), F("opened_at").asc(nulls_last=True),
                         "id", condition=Q(resolved_at__isnull=True, attributed_deployment__isnull=False),
                         name="incident_open_attributed"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"
