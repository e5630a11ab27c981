"""Serializers of the record endpoints: what CI posts (input) and what lists answer (output)."""

from __future__ import annotations

import re

from rest_framework import serializers

from integrations.models import (
    ChangeRequest,
    Commit,
    Deployment,
    DeploymentKind,
    DeploymentStatus,
    DeploymentStrategy,
    Incident,
    IncidentStatus,
    PipelineRun,
    PullRequest,
    RunStatus,
    WorkItem,
)
from vsm.api.fields import BIGINT_MAX, INT_MAX
from vsm.api.inputs import InputSerializer

_SHA = re.compile(r"^[0-9a-f]{7,64}$")


class ShaField(serializers.CharField):
    """A commit sha: 7 to 64 hexadecimal characters (abbreviated, SHA-1 or SHA-256), stored lower case."""

    def __init__(self, **kwargs):
        super().__init__(max_length=64, **kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data).strip().lower()
        if not _SHA.match(value):
            raise serializers.ValidationError("Must be 7 to 64 hexadecimal characters.")
        return value


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, required=False, allow_blank=False, **kwargs)


# --- input ----------------------------------------------------------------------------------

class CommitInputSerializer(InputSerializer):
    sha = ShaField()
    message = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    author = _text(255)
    author_email = _text(255)
    authored_at = serializers.DateTimeField(required=False)
    committed_at = serializers.DateTimeField(required=False)
    url = serializers.URLField(required=False, max_length=1000)


class DeploymentInputSerializer(InputSerializer):
    service = serializers.CharField(max_length=255, help_text="slug or name; an unknown service is created")
    environment = serializers.CharField(max_length=255, help_text="slug or name of an environment Sluice knows")
    status = serializers.ChoiceField(choices=DeploymentStatus.choices)
    version = _text(120)
    commit_sha = ShaField(required=False)
    kind = serializers.ChoiceField(choices=DeploymentKind.choices, required=False)
    rollback_of = _text(255, help_text="the Sluice id or external_id of the deployment a rollback undoes")
    strategy = serializers.ChoiceField(choices=DeploymentStrategy.choices, required=False)
    started_at = serializers.DateTimeField(required=False)
    finished_at = serializers.DateTimeField(required=False)
    release = _text(200, help_text="the release's id, version or name")
    external_id = _text(255, help_text="your id for this deployment; posting it again updates the same one")
    url = serializers.URLField(required=False, max_length=1000)
    pipeline_run = _text(255, help_text="external_id of the pipeline run that deployed")
    change_request = _text(60, help_text="change request number (CHG...)")
    triggered_by = _text(255)
    commits = CommitInputSerializer(many=True, required=False)


class IncidentInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=500)
    external_id = _text(255)
    number = _text(60)
    status = serializers.ChoiceField(choices=IncidentStatus.choices, required=False)
    severity = serializers.IntegerField(min_value=1, max_value=4, required=False, help_text="1 (most severe) to 4")
    service = _text(255, help_text="slug or name of a service Sluice knows")
    environment = _text(255, help_text="slug or name of an environment Sluice knows")
    opened_at = serializers.DateTimeField(required=False)
    resolved_at = serializers.DateTimeField(required=False)
    caused_by_deployment = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX, required=False,
                                                    help_text="the id a deployment post returned")
    caused_by_commit_sha = ShaField(required=False)
    caused_by_version = _text(120)
    url = serializers.URLField(required=False, max_length=1000)


class TestCountsSerializer(InputSerializer):
    passed = serializers.IntegerField(min_value=0, max_value=INT_MAX, required=False)
    failed = serializers.IntegerField(min_value=0, max_value=INT_MAX, required=False)
    skipped = serializers.IntegerField(min_value=0, max_value=INT_MAX, required=False)


class PipelineRunInputSerializer(InputSerializer):
    pipeline = serializers.CharField(max_length=255)
    status = serializers.ChoiceField(choices=RunStatus.choices)
    external_id = _text(255)
    service = _text(255, help_text="slug or name; an unknown service is created")
    run_number = serializers.IntegerField(min_value=0, max_value=BIGINT_MAX, required=False)
    branch = _text(255)
    commit_sha = ShaField(required=False)
    version = _text(120)
    trigger = _text(120)
    started_at = serializers.DateTimeField(required=False)
    finished_at = serializers.DateTimeField(required=False)
    tests = TestCountsSerializer(required=False)
    coverage = serializers.FloatField(min_value=0, max_value=100, required=False, help_text="percent")
    url = serializers.URLField(required=False, max_length=1000)
    pull_requests = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=INT_MAX),
                                          required=False)


class CommitsInputSerializer(InputSerializer):
    # A posted commit's external_id is "<service>@<sha>" in a 255-character column.
    service = serializers.CharField(max_length=255 - 1 - 64, help_text=(
        "slug or name (at most 190 characters); an unknown service is created"))
    commits = CommitInputSerializer(many=True, allow_empty=False, max_length=1000)


# --- output ---------------------------------------------------------------------------------

_RECORD = ("id", "source", "external_id", "url", "first_seen_at", "last_seen_at")


class _Slug(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        super().__init__(slug_field="slug", read_only=True, **kwargs)


class DeploymentSerializer(serializers.ModelSerializer):
    service = _Slug()
    environment = _Slug(allow_null=True)

    class Meta:
        model = Deployment
        fields = (*_RECORD, "service", "environment", "environment_name", "is_production", "version", "commit_sha",
                  "status", "kind", "rollback_of", "rollback_of_external_id", "strategy", "started_at", "finished_at",
                  "release", "pipeline_run", "change_request", "change_request_number", "triggered_by")
        read_only_fields = fields


_TIMESTAMP = serializers.DateTimeField()


def _timestamp(value):
    return None if value is None else _TIMESTAMP.to_representation(value)


class DeploymentDetailSerializer(DeploymentSerializer):
    """One deployment with its commits: what a post answers. The fields describe the answer (the
    schema); `to_representation` writes it directly, as CI posts on every run and building the
    fields costs more than writing the answer (a test holds the two equal)."""

    commits = serializers.SlugRelatedField(slug_field="sha", many=True, read_only=True)

    class Meta(DeploymentSerializer.Meta):
        fields = (*DeploymentSerializer.Meta.fields, "commits")
        read_only_fields = fields

    def to_representation(self, row: Deployment) -> dict:
        return {
            "id": row.pk, "source": row.source, "external_id": row.external_id, "url": row.url,
            "first_seen_at": _timestamp(row.first_seen_at), "last_seen_at": _timestamp(row.last_seen_at),
            "service": row.service.slug, "environment": row.environment.slug if row.environment_id else None,
            "environment_name": row.environment_name, "is_production": row.is_production, "version": row.version,
            "commit_sha": row.commit_sha, "status": row.status, "kind": row.kind, "rollback_of": row.rollback_of_id,
            "rollback_of_external_id": row.rollback_of_external_id, "strategy": row.strategy,
            "started_at": _timestamp(row.started_at), "finished_at": _timestamp(row.finished_at),
            "release": row.release_id, "pipeline_run": row.pipeline_run_id, "change_request": row.change_request_id,
            "change_request_number": row.change_request_number, "triggered_by": row.triggered_by,
            "commits": [commit.sha for commit in row.commits.all()],
        }


class IncidentSerializer(serializers.ModelSerializer):
    service = _Slug(allow_null=True)
    environment = _Slug(allow_null=True)

    class Meta:
        model = Incident
        fields = (*_RECORD, "number", "title", "status", "severity", "service", "environment", "environment_name",
                  "opened_at", "resolved_at", "closed_at", "caused_by_deployment", "caused_by_commit_sha",
                  "caused_by_version", "caused_by_change", "attributed_deployment", "attribution")
        read_only_fields = fields


class PipelineRunSerializer(serializers.ModelSerializer):
    service = _Slug(allow_null=True)

    class Meta:
        model = PipelineRun
        fields = (*_RECORD, "pipeline", "run_number", "status", "service", "branch", "commit_sha", "version",
                  "trigger", "started_at", "finished_at", "tests_passed", "tests_failed", "tests_skipped", "coverage",
                  "pull_request_numbers")
        read_only_fields = fields


class CommitSerializer(serializers.ModelSerializer):
    service = _Slug()

    class Meta:
        model = Commit
        fields = (*_RECORD, "service", "sha", "message", "author", "author_email", "authored_at", "committed_at",
                  "first_production_deployment")
        read_only_fields = fields


class PullRequestSerializer(serializers.ModelSerializer):
    service = _Slug()

    class Meta:
        model = PullRequest
        fields = (*_RECORD, "service", "number", "title", "state", "author", "source_branch", "target_branch",
                  "head_sha", "opened_at", "first_review_at", "merged_at", "closed_at", "merge_commit_sha",
                  "commit_shas", "work_item_keys")
        read_only_fields = fields


class WorkItemSerializer(serializers.ModelSerializer):
    service = _Slug(allow_null=True)

    class Meta:
        model = WorkItem
        fields = (*_RECORD, "key", "title", "type_raw", "flow_type", "status_raw", "status_category", "waiting",
                  "priority_raw", "severity", "project", "components", "labels", "fix_versions", "parent_key",
                  "assignee", "service", "created_at", "updated_at", "started_at", "resolved_at")
        read_only_fields = fields


class ChangeRequestSerializer(serializers.ModelSerializer):
    services = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = ChangeRequest
        fields = (*_RECORD, "number", "title", "type", "state", "approval", "risk", "planned_start", "planned_end",
                  "actual_start", "actual_end", "opened_at", "closed_at", "close_code", "release", "service_names",
                  "services")
        read_only_fields = fields
