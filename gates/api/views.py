"""The gates API: parse, call one service or selector, answer. The rules live in gates.services."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from gates import selectors, services
from gates.api import serializers as s
from gates.filters import CIResultFilter, GateFilter
from gates.models import CIResult, Criterion, Gate, GatePolicy, SignOff, Waiver
from gates.rules import registry
from vsm.api.base import OrgAPIView, OrgSettingsView, OrgViewSet
from vsm.api.schema import BAD_INPUT, CONFLICT, ErrorSerializer
from vsm.errors import InvalidInput
from vsm.tenancy.roles import Perm

REFUSED = OpenApiResponse(ErrorSerializer, description="Your role, or segregation of duties, does not allow it.")


def _gate_detail(gate_id: int) -> dict:
    return s.GateDetailSerializer(selectors.gate_get(gate_id=gate_id)).data


class GateViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """Gates: a checklist of criteria that something must pass. Usually created by the app that
    attaches them (releases: entry and exit gates of phases); created here for custom gates."""

    queryset = Gate.objects.all()
    serializer_class = s.GateDetailSerializer
    write_permission = Perm.MANAGE_RELEASES
    action_permissions = {"evaluate": Perm.VIEW}
    filtersets = {"list": GateFilter}

    def get_queryset(self):
        return Gate.objects.all() if self.action == "evaluate" else selectors.gate_detail_list()

    @extend_schema(responses=s.GateSerializer(many=True))
    def list(self, request):
        return self.page(self.filter_queryset(selectors.gate_list()), s.GateSerializer)

    @extend_schema(
        request=s.GateInputSerializer, responses={201: s.GateDetailSerializer, 400: BAD_INPUT, 403: REFUSED},
        examples=[OpenApiExample("A go-live gate", request_only=True, value={
            "name": "Go-live", "kind": "custom", "owner": "rm@acme.test", "context": {"release_version": "2.4.0"},
            "criteria": [
                {"title": "Business sign-off", "type": "manual", "signer_role": "approver", "required_sign_offs": 2},
                {"title": "Integration tests passed", "type": "automated", "rule": "ci_result_reported",
                 "params": {"name": "integration-tests", "subject_from_context": "release_version"}},
            ]})],
    )
    def create(self, request):
        gate = services.gate_create(actor=self.actor, **self.valid(s.GateInputSerializer))
        return Response(_gate_detail(gate.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.GateUpdateSerializer, responses={200: s.GateDetailSerializer, 400: BAD_INPUT, 403: REFUSED},
        examples=[OpenApiExample("A new owner", request_only=True, value={"owner": "rm2@acme.test"})])
    def partial_update(self, request, pk=None):
        """Change the gate's name, owner or context; only what is given changes."""
        gate = services.gate_update(actor=self.actor, gate=self.get_object(),
                                    **self.valid(s.GateUpdateSerializer))
        return Response(_gate_detail(gate.pk))

    @extend_schema(request=None, responses={200: s.GateDetailSerializer})
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        """Decide every criterion now and store the evidence."""
        gate = services.gate_evaluate(actor=self.actor, gate=self.get_object())
        return Response(_gate_detail(gate.pk))


class CriterionViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """Criteria (checklist items) of a gate."""

    queryset = Criterion.objects.all()
    serializer_class = s.CriterionSerializer
    write_permission = Perm.MANAGE_RELEASES

    def get_queryset(self):
        return selectors.criteria_with_decisions()

    def _answer(self, criterion: Criterion, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=criterion.pk)
        return Response(s.CriterionSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=s.CriterionCreateSerializer, responses={201: s.CriterionSerializer, 400: BAD_INPUT},
                   examples=[OpenApiExample("Two approvers sign off", request_only=True, value={
                       "gate": 12, "title": "CAB approval", "type": "manual", "signer_role": "approver",
                       "required_sign_offs": 2})])
    def create(self, request):
        data = dict(self.valid(s.CriterionCreateSerializer))
        criterion = services.criterion_add(actor=self.actor, **data)
        return self._answer(criterion, status.HTTP_201_CREATED)

    @extend_schema(request=s.CriterionInputSerializer, responses={200: s.CriterionSerializer, 400: BAD_INPUT})
    def partial_update(self, request, pk=None):
        data = self.valid(s.CriterionInputSerializer, partial=True)
        criterion = services.criterion_update(actor=self.actor, criterion=self.get_object(), **data)
        return self._answer(criterion)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.criterion_remove(actor=self.actor, criterion=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class _CriterionDecisionView(OrgAPIView):
    # Whether this person may decide is the service's call (the criterion's role, the policy).
    write_permission = Perm.VIEW

    def criterion(self, criterion_id: int) -> Criterion:
        return get_object_or_404(Criterion, pk=criterion_id)


class SignOffCreateView(_CriterionDecisionView):
    queryset = SignOff.objects.all()

    @extend_schema(
        operation_id="criterion_sign_off", request=s.SignOffInputSerializer,
        responses={201: s.SignOffResultSerializer, 400: BAD_INPUT, 403: REFUSED, 409: CONFLICT},
        examples=[OpenApiExample("Approve", request_only=True,
                                 value={"decision": "approve", "comment": "Checked the rollback plan."})],
    )
    def post(self, request, criterion_id: int):
        """Approve or reject a manual criterion, once per person. Automated criteria answer 400."""
        criterion = self.criterion(criterion_id)
        data = self.valid(s.SignOffInputSerializer)
        sign_off = services.gate_sign_off(actor=self.actor, criterion=criterion, **data)
        return Response({"sign_off": s.SignOffSerializer(sign_off).data, "gate": _gate_detail(criterion.gate_id)},
                        status=status.HTTP_201_CREATED)


class WaiverCreateView(_CriterionDecisionView):
    queryset = Waiver.objects.all()

    @extend_schema(
        operation_id="criterion_waive", request=s.WaiverInputSerializer,
        responses={201: s.WaiverResultSerializer, 400: BAD_INPUT, 403: REFUSED, 409: CONFLICT},
        examples=[OpenApiExample("Waive until Friday", request_only=True, value={
            "reason": "Pen test booked for next sprint; risk accepted by the CISO.",
            "expires_at": "2025-03-07T18:00:00+01:00"})],
    )
    def post(self, request, criterion_id: int):
        """Waive an unmet criterion until an expiry. Waived is not met: the gate stays unmet."""
        criterion = self.criterion(criterion_id)
        waiver = services.criterion_waive(actor=self.actor, criterion=criterion,
                                          **self.valid(s.WaiverInputSerializer))
        return Response({"waiver": s.WaiverSerializer(waiver).data, "gate": _gate_detail(criterion.gate_id)},
                        status=status.HTTP_201_CREATED)


class WaiverViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    queryset = Waiver.objects.all()
    serializer_class = s.WaiverSerializer
    write_permission = Perm.VIEW

    @extend_schema(responses={200: s.WaiverResultSerializer, 403: REFUSED})
    def destroy(self, request, pk=None):
        """Revoke the waiver now (it stays on record, revoked)."""
        waiver = services.waiver_revoke(actor=self.actor, waiver=self.get_object())
        return Response({"waiver": s.WaiverSerializer(waiver).data, "gate": _gate_detail(waiver.criterion.gate_id)})


CI_RESULT_REQUEST = OpenApiExample("Integration tests passed", request_only=True, value={
    "name": "integration-tests", "subject": "2.4.0", "passed": True, "summary": "412 passed, 0 failed",
    "evidence_url": "https://ci.acme.test/pipelines/8812", "external_id": "gitlab-pipeline-8812-integration"})
CI_RESULT_FAILED = OpenApiExample("A failed security scan", request_only=True, value={
    "name": "security-scan", "subject": "release:42", "passed": False, "summary": "2 high findings",
    "evidence_url": "https://ci.acme.test/scans/311", "external_id": "scan-311"})
CI_RESULT_RESPONSE = OpenApiExample("Recorded", response_only=True, status_codes=["201", "200"], value={
    "id": 77, "name": "integration-tests", "subject": "2.4.0", "passed": True, "summary": "412 passed, 0 failed",
    "evidence_url": "https://ci.acme.test/pipelines/8812", "external_id": "gitlab-pipeline-8812-integration",
    "reported_by": "token:gitlab-ci", "reported_at": "2025-03-03T10:12:00Z"})


class CIResultViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """Named pass/fail results reported by CI about a subject (a version, "release:42"). Automated
    criteria with the rule `ci_result_reported` read the latest result of a name and subject."""

    queryset = CIResult.objects.all()
    serializer_class = s.CIResultSerializer
    write_permission = Perm.RECORD_DELIVERY
    filtersets = {"list": CIResultFilter}
    selector = staticmethod(selectors.ci_result_list)

    @extend_schema(responses=s.CIResultSerializer(many=True))
    def list(self, request):
        return self.list_page(s.CIResultSerializer)

    @extend_schema(
        operation_id="ci_result_report", request=s.CIResultInputSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="used as `external_id` when the body has none")],
        responses={201: s.CIResultSerializer, 200: s.CIResultSerializer, 400: BAD_INPUT, 409: CONFLICT},
        examples=[CI_RESULT_REQUEST, CI_RESULT_FAILED, CI_RESULT_RESPONSE],
    )
    def create(self, request):
        """Report a result: 201 when new, 200 when `external_id` (or `Idempotency-Key`) was seen
        before (the one result is updated, never duplicated). Gates reading it are re-evaluated."""
        data = dict(self.valid(s.CIResultInputSerializer))
        key = request.headers.get("Idempotency-Key", "").strip()
        if key and data.get("external_id") and key != data["external_id"]:
            raise InvalidInput.field("external_id", "The Idempotency-Key header and external_id differ.")
        data["external_id"] = data.get("external_id") or key
        result, created = services.ci_result_report(actor=self.actor, **data)
        return Response(s.CIResultSerializer(result).data, status=status.HTTP_201_CREATED if created else 200)


class RuleListView(OrgAPIView):
    @extend_schema(operation_id="gate_rules", responses=s.RuleSerializer(many=True))
    def get(self, request):
        """The rules automated criteria can name, with the JSON Schema of their params."""
        return Response(s.RuleSerializer(registry.all(), many=True).data)


class GatePolicyView(OrgSettingsView):
    """How this organization runs gates: segregation of duties, who may waive."""

    queryset = GatePolicy.objects.all()
    operation_ids = ("gate_policy", "gate_policy_update")
    output_serializer = s.GatePolicySerializer
    input_serializer = s.GatePolicyInputSerializer

    def read(self):
        return selectors.gate_policy_get()

    def update(self, **changes):
        return services.gate_policy_update(actor=self.actor, **changes)
