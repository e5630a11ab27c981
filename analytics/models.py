"""Analytics models: the DORA rollups.

One row per service per day (in the organization's time zone) with production deployments:
the counts that add up (deployments, failed, rework, failures still open) and the values that
do not (lead times and recovery times, kept whole so medians and percentiles stay exact).
``delivery_derive`` refreshes the rows of the days it touched; the report reads them instead of
the raw records (docs/analytics.md, "Rollups"). Also the metric goals and the weekly digest's
sent markers (docs/analytics.md, "Goals").
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField
from django.db import models
from django.utils import timezone

from vsm.tenancy.scoping import TenantScopedModel, organization_key


class DoraDay(TenantScopedModel):
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text="a date in the organization's time zone")
    deployments = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    rework = models.PositiveIntegerField(default=0)
    open_failures = models.PositiveIntegerField(default=0)
    # Hours of each change first deployed on this day (negative spans dropped), and of each
    # recovered failure of a deployment of this day.
    lead_time_hours = ArrayField(models.FloatField(), default=list, blank=True)
    recovery_hours = ArrayField(models.FloatField(), default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "service", "day"], name="doraday_unique")]
        indexes = [models.Index(fields=["organization", "day"], name="doraday_org_day")]

    def __str__(self) -> str:
        return f"{self.service_id} on {self.day}"


class DoraRollupState(TenantScopedModel):
    """The organization's rollups are complete for ``time_zone``. Without this row, or after the
    organization changed its time zone, reports compute from the raw records until a rebuild."""

    time_zone = models.CharField(max_length=64)
    built_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="dorarollupstate_one_per_org")]

    def __str__(self) -> str:
        return f"DORA rollups in {self.time_zone}"


class DoraChange(TenantScopedModel):
    """One rewrite of the organization's rollups (analytics.dora.services): the newest row's id
    names the state of its rollups, and reports read from them are kept in the cache under it
    (analytics.dora.report_cache). Written in the rewrite's transaction, so a report can never be
    stored under a state it was not computed from; only the newest row matters (the warm-up
    removes the others)."""

    organization = organization_key(db_index=False)  # dorachange_latest leads with it

    class Meta:
        indexes = [models.Index(fields=["organization", "-id"], name="dorachange_latest")]

    def __str__(self) -> str:
        return f"DORA rollups change {self.pk}"


class ValueStreamStage(TenantScopedModel):
    """One stage of an organization's value stream map: the time of a work item from
    ``start_event`` to ``end_event`` (analytics.streammap.events lists the events, in their order).
    Without a value stream the stage belongs to the organization's default map; a value stream
    with stages of its own uses those instead. Without any row the built-in stages apply."""

    value_stream = models.ForeignKey("catalog.ValueStream", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+", help_text="empty: the organization's default map")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=80)
    start_event = models.CharField(max_length=32)
    end_event = models.CharField(max_length=32)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["organization", "value_stream", "position"], name="vsmstage_stream_position")]

    def __str__(self) -> str:
        return self.name


class WorkItemFlow(TenantScopedModel):
    """The instants flow metrics and the value stream map read of one work item (analytics.flow.scope
    says how each is found), stored so that a report reads the window's items by index instead of
    recomputing every item of the organization from its status history. PostgreSQL keeps the row
    in step with the work item and its transitions, in the transaction that writes them
    (analytics.flow.store); the row is only ever rewritten when a value changes."""

    organization = organization_key(db_index=False)  # both indexes below lead with it
    work_item = models.OneToOneField("integrations.WorkItem", on_delete=models.CASCADE, related_name="flow")
    first_in_progress = models.DateTimeField(null=True, blank=True,
                                             help_text="the first entry into an in-progress status of the history")
    start_at = models.DateTimeField(null=True, blank=True)
    load_start_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "done_at"], name="workitemflow_done"),
                   models.Index(fields=["organization", "load_start_at"], name="workitemflow_load_start")]

    def __str__(self) -> str:
        return f"flow of work item {self.work_item_id}"


class WorkKeyDelivery(TenantScopedModel):
    """The delivery events of the work items with one key, as the value stream map reads them
    (analytics.streammap.sql says how each is found): from the pull requests naming the key,
    their merge commits' first test and production deployments. Stored by the derivation
    (analytics.streammap.store, on ``delivery_derived``) so the map reads the window's keys by
    index instead of matching every item against the pull requests and deployments per request.
    Keyed by the work item key, not the item: the events depend on the key alone, so an item
    that arrives after its pull requests finds its row."""

    key = models.CharField(max_length=60)
    pr_opened = models.DateTimeField(null=True, blank=True)
    pr_first_review = models.DateTimeField(null=True, blank=True)
    pr_merged = models.DateTimeField(null=True, blank=True)
    first_test_deploy = models.DateTimeField(null=True, blank=True)
    production_deploy = models.DateTimeField(null=True, blank=True)
    production_started = models.DateTimeField(
        null=True, blank=True, help_text="the latest start of the pull requests' production deployments")
    waiting = ArrayField(DateTimeRangeField(), default=list, blank=True,
                         help_text="the pull requests' review waits and test queues, merged")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="workkeydelivery_unique")]
        indexes = [models.Index(fields=["organization", "production_deploy"], name="workkeydelivery_production")]

    def __str__(self) -> str:
        return f"delivery of {self.key}"


class WorkItemMap(TenantScopedModel):
    """The value stream map's row of one work item (analytics.streammap.items says how it is
    kept): its waiting intervals (tracker status waits and its key's delivery waits, merged) and,
    at the instant of each stored event, the seconds it had waited so far, so that the map takes a
    stage's waiting time as a difference instead of intersecting intervals per request. The
    instants are kept with them: the map uses the differences only while they still match."""

    organization = organization_key(db_index=False)  # workitemmap_one_per_item leads with it
    work_item = models.ForeignKey("integrations.WorkItem", on_delete=models.CASCADE, related_name="+")
    instants = ArrayField(
        models.DateTimeField(null=True), default=list, blank=True,
        help_text="each event's instant in the order of analytics.streammap.events, none for the gate")
    waited = ArrayField(models.DecimalField(max_digits=20, decimal_places=6, null=True), default=list, blank=True,
                        help_text="seconds spent waiting before each of those instants")
    waiting = ArrayField(DateTimeRangeField(), default=list, blank=True,
                         help_text="status waits and the key's delivery waits, merged")

    class Meta:
        # One row per item; unique with the organization, as every tenant table's keys are.
        constraints = [models.UniqueConstraint(fields=["organization", "work_item"], name="workitemmap_one_per_item")]

    def __str__(self) -> str:
        return f"value stream map row of work item {self.work_item_id}"


class GoalScope(models.TextChoices):
    ORGANIZATION = "organization", "Organization"
    VALUE_STREAM = "value_stream", "Value stream"
    TEAM = "team", "Team"


class GoalComparison(models.TextChoices):
    AT_MOST = "at_most", "at most"
    AT_LEAST = "at_least", "at least"


class MetricGoal(TenantScopedModel):
    """A target for one DORA metric (analytics.dora.tiles.METRIC_KEYS) of the organization, a
    value stream or a team, in the unit of the metric's headline number (deployments per day,
    hours, a rate as a fraction). A group without a goal of its own is held to the
    organization's. ``last_met`` and ``last_level`` are the state the crossing check saw last,
    so that a crossing is told once (analytics.goals.services.goals_check)."""

    scope = models.CharField(max_length=16, choices=GoalScope.choices, default=GoalScope.ORGANIZATION)
    value_stream = models.ForeignKey("catalog.ValueStream", null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="+")
    team = models.ForeignKey("catalog.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=40)
    comparison = models.CharField(max_length=8, choices=GoalComparison.choices)
    target = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)
    last_met = models.BooleanField(null=True, blank=True)
    last_level = models.CharField(max_length=8, blank=True)

    class Meta:
        ordering = ["scope", "metric", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "scope", "value_stream", "team", "metric"],
                                    nulls_distinct=False, name="metricgoal_one_per_scope_metric"),
            models.CheckConstraint(
                condition=(models.Q(scope="organization", value_stream__isnull=True, team__isnull=True)
                           | models.Q(scope="value_stream", value_stream__isnull=False, team__isnull=True)
                           | models.Q(scope="team", value_stream__isnull=True, team__isnull=False)),
                name="metricgoal_scope_matches_group"),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.comparison} {self.target}"


class DigestSent(TenantScopedModel):
    """The weekly digest of a value stream was queued for a subscriber in an ISO week: the
    marker that makes the weekly task send once however often it runs."""

    subscriber = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    value_stream = models.ForeignKey("catalog.ValueStream", on_delete=models.CASCADE, related_name="+")
    week = models.CharField(max_length=8, help_text="ISO week, e.g. 2026-W49")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "subscriber", "value_stream", "week"],
                                               name="digestsent_once_a_week")]

    def __str__(self) -> str:
        return f"digest {self.week}"
