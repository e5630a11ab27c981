"""The CI-facing record endpoints: CI posts deployments, incidents, pipeline runs and commits;
everyone with access reads every record type. Parse, call one service or selector, answer."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from integrations import filters, selectors
from integrations.api import records_serializers as s
from integrations.models import ChangeRequest, Commit, Deployment, Incident, PipelineRun, PullRequest, WorkItem
from integrations.services import records
from vsm.api.base import OrgViewSet
from vsm.api.schema import BAD_INPUT
from vsm.errors import InvalidInput
from vsm.tenancy.roles import Perm

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="Without an `external_id`: posts with the same key record one row (a retried job updates it).")
_KEY_MAX = 200


class _RecordViewSet(OrgViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Paginated lists filtered by the type's FilterSet (integrations/filters.py: a bad value is a
    400 naming it) and single records by id. Posts need the "record delivery" permission CI tokens
    have."""

    write_permission = Perm.RECORD_DELIVERY

    def idempotency_key(self) -> str | None:
        key = (self.request.headers.get("Idempotency-Key") or "").strip()
        if len(key) > _KEY_MAX:
            raise InvalidInput.field("Idempotency-Key", f"Use at most {_KEY_MAX} characters.")
        return key or None

    def record(self, service, input_serializer, present) -> Response:
        """Parse the body, record it through ``service``: 201 with the row when it is new, 200
        when the post updated an existing one."""
        row, created = service(actor=self.actor, idempotency_key=self.idempotency_key(),
                               **self.valid(input_serializer))
        return Response(present(row), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


DEPLOYMENT_EXAMPLE = {
    "service": "payments-api", "environment": "production", "version": "2.4.1",
    "commit_sha": "9f3c2b7e1d4a5f60718293a4b5c6d7e8f9012345", "status": "succeeded", "kind": "normal",
    "started_at": "2025-03-04T18:00:00Z", "finished_at": "2025-03-04T18:04:12Z", "release": "2025.03",
    "external_id": "gha-run-8812-deploy", "url": "https://ci.example.com/runs/8812",
    "commits": [{"sha": "9f3c2b7e1d4a5f60718293a4b5c6d7e8f9012345", "committed_at": "2025-03-04T15:12:00Z",
                 "message": "PAY-312 retry card authorisation"}]}


@extend_schema_view(retrieve=extend_schema(responses=s.DeploymentDetailSerializer))
class DeploymentViewSet(_RecordViewSet):
    """Deployments of services to environments, from CI posts and every connected tool."""

    queryset = Deployment.objects.all()
    serializer_class = s.DeploymentSerializer
    filtersets = {"list": filters.DeploymentFilter}
    selector = staticmethod(selectors.deployment_list)

    def retrieve(self, request, pk=None):
        return Response(s.DeploymentDetailSerializer(selectors.deployment_get(deployment_id=self.get_object().pk)).data)

    @extend_schema(
        request=s.DeploymentInputSerializer, parameters=[IDEMPOTENCY_KEY],
        responses={201: s.DeploymentDetailSerializer, 200: s.DeploymentDetailSerializer, 400: BAD_INPUT},
        examples=[
            OpenApiExample("A finished deployment", request_only=True, value=DEPLOYMENT_EXAMPLE),
            OpenApiExample("Started (post again with the same external_id when it finishes)", request_only=True,
                           value={"service": "payments-api", "environment": "production", "version": "2.4.1",
                                  "status": "in_progress", "started_at": "2025-03-04T18:00:00Z",
                                  "external_id": "gha-run-8812-deploy"}),
            OpenApiExample("A rollback", request_only=True, value={
                "service": "payments-api", "environment": "production", "version": "2.4.0", "status": "succeeded",
                "kind": "rollback", "rollback_of": "gha-run-8812-deploy", "finished_at": "2025-03-04T19:02:00Z"}),
            OpenApiExample("Unknown environment", status_codes=["400"], response_only=True, value={"error": {
                "code": "invalid", "message": "No environment 'prod-eu' in this organization (use its slug or name).",
                "fields": {"environment": ["No environment 'prod-eu' in this organization (use its slug or name)."]},
                "details": {}}}),
        ])
    def create(self, request):
        """Record a deployment. Posting the same `external_id` again (or, without one, the same
        `Idempotency-Key` header) updates that deployment: 201 when created, 200 when updated."""
        return self.record(records.deployment_record, s.DeploymentInputSerializer,
                           lambda row: s.DeploymentDetailSerializer(row).data)


class IncidentViewSet(_RecordViewSet):
    queryset = Incident.objects.all()
    serializer_class = s.IncidentSerializer
    filtersets = {"list": filters.IncidentFilter}
    selector = staticmethod(selectors.incident_list)

    @extend_schema(
        request=s.IncidentInputSerializer, parameters=[IDEMPOTENCY_KEY],
        responses={201: s.IncidentSerializer, 200: s.IncidentSerializer, 400: BAD_INPUT},
        examples=[OpenApiExample("Caused by a deployment", request_only=True, value={
            "external_id": "pd-Q1W2E3", "title": "Checkout returns 502", "service": "payments-api",
            "environment": "production", "severity": 2, "opened_at": "2025-03-04T18:20:00Z",
            "caused_by_deployment": 4711, "url": "https://acme.pagerduty.com/incidents/Q1W2E3"}),
            OpenApiExample("Resolved", request_only=True, value={
                "external_id": "pd-Q1W2E3", "title": "Checkout returns 502",
                "resolved_at": "2025-03-04T19:05:00Z"})])
    def create(self, request):
        """Record an incident (same idempotency as deployments). `caused_by_deployment` is the id
        a deployment post returned."""
        return self.record(records.incident_record, s.IncidentInputSerializer,
                           lambda row: s.IncidentSerializer(row).data)


class PipelineRunViewSet(_RecordViewSet):
    queryset = PipelineRun.objects.all()
    serializer_class = s.PipelineRunSerializer
    filtersets = {"list": filters.PipelineRunFilter}
    selector = staticmethod(selectors.pipeline_run_list)

    @extend_schema(
        request=s.PipelineRunInputSerializer, parameters=[IDEMPOTENCY_KEY],
        responses={201: s.PipelineRunSerializer, 200: s.PipelineRunSerializer, 400: BAD_INPUT},
        examples=[OpenApiExample("A build with tests and coverage", request_only=True, value={
            "external_id": "gha-run-8812", "pipeline": "payments-api/ci", "status": "succeeded",
            "service": "payments-api", "run_number": 8812, "branch": "main",
            "commit_sha": "9f3c2b7e1d4a5f60718293a4b5c6d7e8f9012345", "version": "2.4.1",
            "started_at": "2025-03-04T17:40:00Z", "finished_at": "2025-03-04T17:52:00Z",
            "tests": {"passed": 412, "failed": 0, "skipped": 3}, "coverage": 87.5, "pull_requests": [42]})])
    def create(self, request):
        """Record a pipeline run (a build); the same idempotency as deployments."""
        return self.record(records.pipeline_run_record, s.PipelineRunInputSerializer,
                           lambda row: s.PipelineRunSerializer(row).data)


class CommitViewSet(_RecordViewSet):
    queryset = Commit.objects.all()
    serializer_class = s.CommitSerializer
    filtersets = {"list": filters.CommitFilter}
    selector = staticmethod(selectors.commit_list)

    @extend_schema(
        request=s.CommitsInputSerializer,
        responses={201: s.CommitSerializer(many=True), 200: s.CommitSerializer(many=True), 400: BAD_INPUT},
        examples=[OpenApiExample("Commits of a push", request_only=True, value={
            "service": "payments-api", "commits": [
                {"sha": "9f3c2b7e1d4a5f60718293a4b5c6d7e8f9012345", "message": "PAY-312 retry card authorisation",
                 "author": "jdoe", "authored_at": "2025-03-04T15:10:00Z", "committed_at": "2025-03-04T15:12:00Z"}]})])
    def create(self, request):
        """Record commits of a service, keyed by sha (posting them again changes nothing): 201 when
        any was new, else 200."""
        rows, created = records.commits_record(actor=self.actor,
                                               **self.valid(s.CommitsInputSerializer))
        return Response(s.CommitSerializer(rows, many=True).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class PullRequestViewSet(_RecordViewSet):
    queryset = PullRequest.objects.all()
    serializer_class = s.PullRequestSerializer
    filtersets = {"list": filters.PullRequestFilter}
    selector = staticmethod(selectors.pull_request_list)


class WorkItemViewSet(_RecordViewSet):
    queryset = WorkItem.objects.all()
    serializer_class = s.WorkItemSerializer
    filtersets = {"list": filters.WorkItemFilter}
    selector = staticmethod(selectors.work_item_list)


class ChangeRequestViewSet(_RecordViewSet):
    queryset = ChangeRequest.objects.all()
    serializer_class = s.ChangeRequestSerializer
    filtersets = {"list": filters.ChangeRequestFilter}
    selector = staticmethod(selectors.change_request_list)
