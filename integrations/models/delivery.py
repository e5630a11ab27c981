"""The normalized delivery record: deployments, the commits they carry, pipeline runs and pull
requests, whatever tool reported them.

Every record keeps where it came from (``source``, ``connection``; both describe the API when a CI
job posted it) and the source's ``external_id``, unique per organization and source, so every
write is an upsert. Raw source values sit beside the mapped ones so a changed mapping can be
re-applied without refetching.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from integrations import normalized as n
from vsm.indexes import set_reference_index
from vsm.tenancy.scoping import TenantScopedModel, organization_key


def _choices(enum: type, name: str) -> type[models.TextChoices]:
    # The functional API takes (member name, (value, label)) pairs; a bare (value, label) pair
    # would make the label the stored value.
    return models.TextChoices(name, [(m.name, (m.value, m.value.replace("_", " ").capitalize())) for m in enum])


RecordSource = models.TextChoices("RecordSource", [("API", ("api", "API")),
                                                   *((s.name, (s.value, s.value)) for s in n.Source)])
DeploymentStatus = _choices(n.DeploymentStatus, "DeploymentStatus")
DeploymentKind = _choices(n.DeploymentKind, "DeploymentKind")
DeploymentStrategy = _choices(n.DeploymentStrategy, "DeploymentStrategy")
RunStatus = _choices(n.RunStatus, "RunStatus")
PullRequestState = _choices(n.PullRequestState, "PullRequestState")


class ExternalRecord(TenantScopedModel):
    """What every ingested record shares. ``connection`` is null for records CI posted to the API.
    The unique key treats nulls as equal, so an API record's ``external_id`` is unique too."""

    source = models.CharField(max_length=16, choices=RecordSource.choices)
    # No index of its own: the unique key (organization, source, connection, external_id) finds a
    # connection's records, and connections are archived, never deleted.
    connection = models.ForeignKey("integrations.Connection", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", db_index=False)
    external_id = models.CharField(max_length=255)
    url = models.URLField(max_length=1000, blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    @classmethod
    def unique_key(cls, name: str) -> models.UniqueConstraint:
        return models.UniqueConstraint(fields=["organization", "source", "connection", "external_id"],
                                       nulls_distinct=False, name=name)


class PipelineRun(ExternalRecord):
    """A build: one run of a CI pipeline."""

    pipeline = models.CharField(max_length=255)
    run_number = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=RunStatus.choices)
    status_raw = models.CharField(max_length=60, blank=True)
    service = models.ForeignKey("catalog.Service", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="pipeline_runs")
    branch = models.CharField(max_length=255, blank=True)
    commit_sha = models.CharField(max_length=64, blank=True)
    version = models.CharField(max_length=120, blank=True, help_text="the version this run built, where reported")
    trigger = models.CharField(max_length=120, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    tests_passed = models.PositiveIntegerField(null=True, blank=True)
    tests_failed = models.PositiveIntegerField(null=True, blank=True)
    tests_skipped = models.PositiveIntegerField(null=True, blank=True)
    coverage = models.FloatField(null=True, blank=True, help_text="percent, 0-100")
    pull_request_numbers = ArrayField(models.IntegerField(), default=list, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [ExternalRecord.unique_key("pipelinerun_unique_external")]
        indexes = [models.Index(fields=["organization", "service", "-started_at"], name="pipelinerun_service_started"),
                   models.Index(fields=["organization", "commit_sha"], name="pipelinerun_sha")]

    def __str__(self) -> str:
        return f"{self.pipeline} #{self.run_number or self.external_id}"


class PipelineJob(ExternalRecord):
    """A job, stage or check of a pipeline run."""

    run = models.ForeignKey(PipelineRun, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs")
    run_external_id = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255)
    stage = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=16, choices=RunStatus.choices)
    status_raw = models.CharField(max_length=60, blank=True)
    environment_name = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [ExternalRecord.unique_key("pipelinejob_unique_external")]

    def __str__(self) -> str:
        return self.name


class Deployment(ExternalRecord):
    """A deployment of a service's version to an environment. ``environment`` is null when the
    source named an environment Sluice does not know (kept in ``environment_name``).

    Every CI post writes one, so every index here costs each post: the organization, the service and
    the environment are found through the composite indexes that lead with them, and the optional
    references are indexed only where set (vsm.indexes)."""

    organization = organization_key(db_index=False)
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="deployments",
                                db_index=False)
    environment = models.ForeignKey("environments.Environment", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="deployments", db_index=False)
    environment_name = models.CharField(max_length=255, blank=True)
    version = models.CharField(max_length=120, blank=True)
    commit_sha = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=DeploymentStatus.choices)
    status_raw = models.CharField(max_length=60, blank=True)
    kind = models.CharField(max_length=16, choices=DeploymentKind.choices, default=n.DeploymentKind.NORMAL.value)
    rollback_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="rolled_back_by", db_index=False)
    # The external id a rollback named, kept until that deployment arrives (it may come later).
    rollback_of_external_id = models.CharField(max_length=255, blank=True)
    strategy = models.CharField(max_length=16, choices=DeploymentStrategy.choices, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    release = models.ForeignKey("releases.Release", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="deployments", db_index=False)
    pipeline_run = models.ForeignKey(PipelineRun, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="deployments", db_index=False)
    change_request = models.ForeignKey("integrations.ChangeRequest", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="deployments", db_index=False)
    change_request_number = models.CharField(max_length=60, blank=True)
    triggered_by = models.CharField(max_length=255, blank=True)
    is_production = models.BooleanField(
        default=False, editable=False,
        help_text="copied from the environment when saved, so metrics filter without a join")
    commits = models.ManyToManyField("integrations.Commit", through="DeploymentCommit", related_name="deployments")

    class Meta:
        ordering = ["-finished_at", "-id"]
        constraints = [ExternalRecord.unique_key("deployment_unique_external")]
        indexes = [
            models.Index(fields=["organization", "service", "finished_at"], name="deployment_service_finished"),
            models.Index(fields=["organization", "environment", "-finished_at"], name="deployment_env_finished"),
            models.Index(fields=["organization", "finished_at"], name="deployment_prod_finished",
                         condition=models.Q(is_production=True)),
            # A commit's deployments by its sha (the value stream map's first test deployment).
            models.Index(fields=["organization", "service", "commit_sha"], name="deployment_service_sha",
                         condition=~models.Q(commit_sha="")),
            # Rollbacks still waiting for the deployment they name (linked when it arrives).
            models.Index(fields=["organization", "rollback_of_external_id"], name="deployment_rollback_target",
                         condition=~models.Q(rollback_of_external_id="")),
            set_reference_index("rollback_of", name="deployment_rollback_of"),
            set_reference_index("release", name="deployment_release"),
            set_reference_index("pipeline_run", name="deployment_pipeline_run"),
            set_reference_index("change_request", name="deployment_change_request"),
        ]

    def __str__(self) -> str:
        return f"{self.service_id}@{self.version or self.commit_sha[:12]} to {self.environment_name}"


class Commit(ExternalRecord):
    """A commit of a service. One row per (service, sha) whichever source saw it first; the source
    columns describe that first sighting."""

    organization = organization_key(db_index=False)  # both indexes below lead with it
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="commits", db_index=False)
    sha = models.CharField(max_length=64)
    message = models.TextField(blank=True)
    author = models.CharField(max_length=255, blank=True)
    author_email = models.CharField(max_length=255, blank=True)
    authored_at = models.DateTimeField(null=True, blank=True)
    committed_at = models.DateTimeField(null=True, blank=True)
    # The production deployment that first contained it (METRICS.md, change lead time); kept
    # up to date by integrations.services as deployments arrive.
    first_production_deployment = models.ForeignKey(Deployment, null=True, blank=True, on_delete=models.SET_NULL,
                                                    related_name="first_production_commits", db_index=False)

    class Meta:
        ordering = ["-committed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "service", "sha"], name="commit_unique_sha")]
        indexes = [models.Index(fields=["organization", "service", "committed_at"], name="commit_service_committed"),
                   set_reference_index("first_production_deployment", name="commit_first_production")]

    def __str__(self) -> str:
        return self.sha[:12]


class DeploymentCommit(TenantScopedModel):
    # deploymentcommit_unique leads with it.
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="deployment_commits",
                                   db_index=False)
    commit = models.ForeignKey(Commit, on_delete=models.CASCADE, related_name="deployment_commits")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deployment", "commit"], name="deploymentcommit_unique")]

    def __str__(self) -> str:
        return f"{self.commit_id} in {self.deployment_id}"


class PullRequest(ExternalRecord):
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="pull_requests")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=500)
    state = models.CharField(max_length=16, choices=PullRequestState.choices)
    author = models.CharField(max_length=255, blank=True)
    source_branch = models.CharField(max_length=255, blank=True)
    target_branch = models.CharField(max_length=255, blank=True)
    head_sha = models.CharField(max_length=64, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    first_review_at = models.DateTimeField(null=True, blank=True)
    merged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    merge_commit_sha = models.CharField(max_length=64, blank=True)
    commit_shas = ArrayField(models.CharField(max_length=64), default=list, blank=True)
    work_item_keys = ArrayField(models.CharField(max_length=60), default=list, blank=True)
    # Keys an edit stopped naming, kept until the derivation has recomputed their delivery events
    # (analytics.streammap.store): only the pull request knows it named them.
    work_item_keys_dropped = ArrayField(models.CharField(max_length=60), default=list, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [ExternalRecord.unique_key("pullrequest_unique_external")]
        indexes = [models.Index(fields=["organization", "service", "merged_at"], name="pullrequest_service_merged")]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"
