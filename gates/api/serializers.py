"""API shapes of gates. Inputs and outputs are separate; people are named by email."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from gates.models import WAIVED, CIResult, Criterion, Evaluation, Gate, GateKind, GatePolicy, SignOff, Status, Waiver
from gates.selectors import active_waiver
from gates.services import MAX_SIGN_OFFS
from vsm.accounts.models import User
from vsm.api.inputs import InputSerializer
from vsm.tenancy.models import Membership
from vsm.tenancy.roles import Role

STATES = [*Status.values, WAIVED]


def _now(serializer: serializers.Serializer):
    """One 'now' per response, so every waiver in it is judged at the same instant."""
    return serializer.context.setdefault("now", timezone.now())


# --- outputs -----------------------------------------------------------------------------------

class SignOffSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="user_label", read_only=True)

    class Meta:
        model = SignOff
        fields = ["id", "criterion", "by", "role", "decision", "comment", "signed_at"]
        read_only_fields = fields


class WaiverSerializer(serializers.ModelSerializer):
    granted_by = serializers.CharField(source="granted_by_label", read_only=True)
    revoked_by = serializers.CharField(source="revoked_by_label", read_only=True)
    active = serializers.SerializerMethodField(help_text="applies now: not revoked and not expired")

    class Meta:
        model = Waiver
        fields = ["id", "criterion", "reason", "expires_at", "active", "granted_by", "granted_at", "revoked_at",
                  "revoked_by"]
        read_only_fields = fields

    def get_active(self, waiver: Waiver) -> bool:
        return waiver.is_active(_now(self))


class EvaluationSerializer(serializers.ModelSerializer):
    evaluated_by = serializers.CharField(source="evaluated_by_label", read_only=True)

    class Meta:
        model = Evaluation
        fields = ["id", "gate", "criterion", "criterion_title", "outcome", "summary", "values", "rule", "params",
                  "trigger", "evaluated_at", "evaluated_by"]
        read_only_fields = fields


class CriterionSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField(help_text="met, pending, failed, or waived while a waiver applies")
    sign_offs = SignOffSerializer(many=True, read_only=True)
    waivers = WaiverSerializer(many=True, read_only=True)
    latest_evaluation = EvaluationSerializer(read_only=True)

    class Meta:
        model = Criterion
        fields = ["id", "gate", "order", "title", "description", "type", "signer_role", "required_sign_offs", "rule",
                  "params", "state", "summary", "evaluated_at", "sign_offs", "waivers", "latest_evaluation"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=STATES))
    def get_state(self, criterion: Criterion) -> str:
        return criterion.display_state(active_waiver(criterion, _now(self)))


class GateSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="email", read_only=True)
    criteria_count = serializers.IntegerField(read_only=True)
    met_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Gate
        fields = ["id", "name", "kind", "owner", "context", "status", "evaluated_at", "created_at", "criteria_count",
                  "met_count"]
        read_only_fields = fields


class GateDetailSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="email", read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Gate
        fields = ["id", "name", "kind", "owner", "context", "status", "evaluated_at", "created_at", "criteria"]
        read_only_fields = fields


class SignOffResultSerializer(serializers.Serializer):
    sign_off = SignOffSerializer()
    gate = GateDetailSerializer()


class WaiverResultSerializer(serializers.Serializer):
    waiver = WaiverSerializer()
    gate = GateDetailSerializer()


class CIResultSerializer(serializers.ModelSerializer):
    reported_by = serializers.CharField(source="reporter_label", read_only=True)

    class Meta:
        model = CIResult
        fields = ["id", "name", "subject", "passed", "summary", "evidence_url", "external_id", "reported_by",
                  "reported_at"]
        read_only_fields = fields


class RuleSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    params_schema = serializers.JSONField(help_text="JSON Schema (draft 2020-12) of the rule's params")


class GatePolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = GatePolicy
        fields = ["allow_owner_sign_off", "waiver_roles", "updated_at"]
        read_only_fields = fields


# --- inputs ------------------------------------------------------------------------------------

def _members():
    # Evaluated when the query runs, inside the request's organization.
    return User.objects.filter(pk__in=Membership.objects.values("user_id"))


class CriterionInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=Criterion.Type.choices)
    signer_role = serializers.ChoiceField(choices=Role.choices, required=False, allow_blank=True,
                                          help_text="manual criteria: the role whose holders sign off")
    required_sign_offs = serializers.IntegerField(min_value=1, max_value=MAX_SIGN_OFFS, required=False,
                                                  help_text="manual criteria: approvals needed (default 1)")
    rule = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                 help_text="automated criteria: a key from GET rules/")
    params = serializers.DictField(required=False, help_text="automated criteria: the rule's parameters")
    order = serializers.IntegerField(min_value=0, required=False)


class CriterionCreateSerializer(CriterionInputSerializer):
    gate = serializers.PrimaryKeyRelatedField(queryset=Gate.objects.all())


class GateInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=GateKind.choices, required=False)
    owner = serializers.SlugRelatedField(slug_field="email", queryset=_members(), required=False, allow_null=True,
                                         help_text="the member accountable for what the gate guards")
    context = serializers.DictField(required=False, help_text="what rules read, e.g. {\"release_version\": \"2.4.0\"}")
    criteria = CriterionInputSerializer(many=True, required=False)


class GateUpdateSerializer(InputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    owner = serializers.SlugRelatedField(slug_field="email", queryset=_members(), required=False, allow_null=True,
                                         help_text="the member accountable for what the gate guards; may not sign "
                                                   "off its criteria unless the gate policy allows")
    context = serializers.DictField(required=False, help_text="what rules read; the gate is decided again")


class SignOffInputSerializer(InputSerializer):
    decision = serializers.ChoiceField(choices=SignOff.Decision.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class WaiverInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=2000)
    expires_at = serializers.DateTimeField(help_text="ISO 8601 with its UTC offset; must be in the future")


class CIResultInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=200, help_text="what was checked, e.g. 'integration-tests'")
    subject = serializers.CharField(max_length=200, help_text="what it was checked on, e.g. '2.4.0' or 'release:42'")
    passed = serializers.BooleanField()
    summary = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    evidence_url = serializers.URLField(required=False, allow_blank=True, max_length=1000)
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=200,
                                        help_text="your id for this result (or send an Idempotency-Key header): "
                                                  "a replay updates the one result instead of adding another")


class GatePolicyInputSerializer(InputSerializer):
    allow_owner_sign_off = serializers.BooleanField(required=False)
    waiver_roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), required=False,
                                         allow_empty=True)
