"""API shapes of the releases app. Inputs and outputs are separate; related rows are named by
slug (services, environments, value streams), people by email, releases by id."""

from __future__ import annotations

from rest_framework import serializers

from environments.api.serializers import AwareDateTimeField
from environments.models import Environment, Tier
from gates.models import Gate
from releases.models import (
    ActivityKind,
    ActivityStatus,
    Decision,
    DeploymentActivity,
    DeploymentCheck,
    FreezeOverride,
    FreezeScope,
    FreezeWindow,
    Phase,
    Release,
    ReleaseDependency,
    ReleaseKind,
    ReleaseSettings,
    ReleaseSlotWindow,
    ReleaseStatus,
    ReleaseTemplate,
    Risk,
    SlotBooking,
    Strategy,
    TemplatePhase,
)
from releases.selectors import plan_progress
from vsm.api.fields import BIGINT_MAX
from vsm.api.inputs import InputSerializer, NullMeansOmitted
from vsm.catalog.models import Service, ValueStream
from vsm.tenancy.models import Membership


def _slug(model, **kwargs):
    return serializers.SlugRelatedField(slug_field="slug", queryset=model.objects.all(), **kwargs)


class MemberEmailField(serializers.EmailField):
    """A member of this organization, named by email (another organization's people are unknown)."""

    default_error_messages = {"unknown": "{email} is not a member of this organization."}

    def run_validation(self, data=serializers.empty):
        email = super().run_validation(data)
        if email in (None, serializers.empty):
            return email
        membership = Membership.objects.select_related("user").filter(user__email__iexact=email).first()
        if membership is None:
            self.fail("unknown", email=email)
        return membership.user

    def to_representation(self, value):
        return value.email if hasattr(value, "email") else value


# --- freeze windows -------------------------------------------------------------------------

class FreezeWindowSerializer(serializers.ModelSerializer):
    value_stream = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    environments = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = FreezeWindow
        fields = ["id", "name", "reason", "scope", "value_stream", "tier", "environments", "starts_at", "ends_at",
                  "rrule", "exdates", "time_zone", "last_ends_at", "created_by", "created_at", "updated_at"]
        read_only_fields = fields


class FreezeWindowInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=200)
    starts_at = AwareDateTimeField(help_text="start of the window, or of its first occurrence when recurring")
    ends_at = AwareDateTimeField(help_text="end of the window, or of its first occurrence when recurring")
    reason = serializers.CharField(required=False, allow_blank=True)
    scope = serializers.ChoiceField(choices=FreezeScope.choices, required=False,
                                    help_text="default: implied by value_stream, tier or environments, else "
                                              "the whole organization")
    value_stream = _slug(ValueStream, required=False, allow_null=True)
    tier = serializers.ChoiceField(choices=Tier.choices, required=False, allow_blank=True)
    environments = _slug(Environment, many=True, required=False)
    rrule = serializers.CharField(max_length=500, required=False, allow_blank=True,
                                  help_text="RFC 5545 RRULE (DAILY or coarser), e.g. FREQ=WEEKLY;BYDAY=FR")
    exdates = serializers.ListField(child=AwareDateTimeField(), required=False, max_length=200,
                                    help_text="starts of occurrences that do not happen (EXDATE)")
    time_zone = serializers.CharField(max_length=64, required=False,
                                      help_text="IANA zone the rule runs in (default: the organization's)")


class FreezeOccurrenceSerializer(serializers.Serializer):
    window = FreezeWindowSerializer()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(help_text="when deployments may resume")


class FreezeOverrideInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=2000)
    release = serializers.PrimaryKeyRelatedField(queryset=Release.objects.all(), required=False, allow_null=True)
    environment = _slug(Environment, required=False, allow_null=True)
    expires_at = AwareDateTimeField(required=False, allow_null=True,
                                    help_text="default: the end of the freeze occurrence in force")


class FreezeOverrideSerializer(serializers.ModelSerializer):
    environment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    granted_by = serializers.CharField(source="granted_by_label", read_only=True)

    class Meta:
        model = FreezeOverride
        fields = ["id", "freeze_window", "release", "environment", "reason", "granted_by", "granted_at", "expires_at"]
        read_only_fields = fields


# --- templates ------------------------------------------------------------------------------

class TemplatePhaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = TemplatePhase
        fields = ["order", "name", "tier", "duration_days", "entry_criteria", "exit_criteria"]
        read_only_fields = fields


class TemplateSerializer(serializers.ModelSerializer):
    phases = TemplatePhaseSerializer(many=True, read_only=True)

    class Meta:
        model = ReleaseTemplate
        fields = ["id", "name", "description", "phases", "created_at"]
        read_only_fields = fields


class TemplateInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True)
    phases = serializers.ListField(child=serializers.DictField(), min_length=1, max_length=20, help_text=(
        'each {"name", "tier", "duration_days", "entry_criteria": [...], "exit_criteria": [...]}; criteria as '
        "POST gates/ takes them"))


# --- releases and phases --------------------------------------------------------------------

class GateBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Gate
        fields = ["id", "name", "status"]
        read_only_fields = fields


class PhaseSerializer(serializers.ModelSerializer):
    environment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    entry_gate = GateBriefSerializer(read_only=True)
    exit_gate = GateBriefSerializer(read_only=True)

    class Meta:
        model = Phase
        fields = ["id", "release", "name", "order", "environment", "status", "planned_start", "planned_end",
                  "actual_start", "actual_end", "entry_gate", "exit_gate"]
        read_only_fields = fields


class PhaseInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=60)
    planned_start = AwareDateTimeField()
    planned_end = AwareDateTimeField()
    environment = _slug(Environment, required=False, allow_null=True)
    entry_criteria = serializers.ListField(child=serializers.DictField(), required=False, max_length=50)
    exit_criteria = serializers.ListField(child=serializers.DictField(), required=False, max_length=50)


class PhaseUpdateSerializer(InputSerializer):
    name = serializers.CharField(max_length=60, required=False)
    planned_start = AwareDateTimeField(required=False)
    planned_end = AwareDateTimeField(required=False)
    environment = _slug(Environment, required=False, allow_null=True)


class CollisionQuerySerializer(serializers.Serializer):
    planned_start = AwareDateTimeField()
    planned_end = AwareDateTimeField()
    environment = _slug(Environment, required=False, allow_null=True)

    def validate(self, data):
        if data["planned_end"] <= data["planned_start"]:
            raise serializers.ValidationError({"planned_end": "The end must be after the start."})
        return data


class ReleaseBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Release
        fields = ["id", "name", "version", "kind", "status", "planned_start", "planned_end"]
        read_only_fields = fields


class ReleaseSerializer(serializers.ModelSerializer):
    value_stream = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="email", read_only=True)
    current_phase = serializers.CharField(read_only=True, allow_null=True)
    children_count = serializers.IntegerField(read_only=True)
    phase_count = serializers.IntegerField(read_only=True)
    phases_done = serializers.IntegerField(read_only=True)

    class Meta:
        model = Release
        fields = ["id", "name", "version", "kind", "status", "risk", "strategy", "value_stream", "parent", "owner",
                  "planned_start", "planned_end", "actual_start", "actual_end", "current_phase", "children_count",
                  "phase_count", "phases_done", "created_at"]
        read_only_fields = fields


class ServiceScopeSerializer(serializers.Serializer):
    service = _slug(Service)
    version = serializers.CharField(max_length=120, required=False, allow_blank=True,
                                    help_text="the service's version in this release (default: the release's)")


class DependencySerializer(serializers.ModelSerializer):
    release = ReleaseBriefSerializer(read_only=True)
    depends_on = ReleaseBriefSerializer(read_only=True)

    class Meta:
        model = ReleaseDependency
        fields = ["id", "release", "depends_on", "needed_by", "note", "created_at"]
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = DeploymentActivity
        fields = ["id", "release", "order", "title", "kind", "owner", "planned_at", "status", "completed_at",
                  "completed_by_label", "evidence_url", "note"]
        read_only_fields = fields


class ReleaseDetailSerializer(ReleaseSerializer):
    services = serializers.SerializerMethodField()
    phases = PhaseSerializer(many=True, read_only=True)
    children = ReleaseBriefSerializer(many=True, read_only=True)
    dependencies = DependencySerializer(many=True, read_only=True)
    dependents = DependencySerializer(many=True, read_only=True)
    activities = ActivitySerializer(many=True, read_only=True)
    plan_progress = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField()

    class Meta(ReleaseSerializer.Meta):
        fields = [*ReleaseSerializer.Meta.fields, "description", "template", "services", "phases", "children",
                  "dependencies", "dependents", "activities", "plan_progress", "warnings"]
        read_only_fields = fields

    def get_services(self, release) -> list[dict]:
        return [{"service": link.service.slug, "version": link.version or release.version}
                for link in release.service_links.all()]

    def get_plan_progress(self, release) -> dict:
        progress = plan_progress(list(release.activities.all()))
        return {"total": progress.total, "done": progress.done, "skipped": progress.skipped,
                "percent": progress.percent}

    def get_warnings(self, release) -> list[str]:
        return [late.message for late in self.context.get("warnings", [])]


class ReleaseInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=200)
    version = serializers.CharField(max_length=120)
    value_stream = _slug(ValueStream, required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=ReleaseKind.choices, required=False)
    parent = serializers.PrimaryKeyRelatedField(queryset=Release.objects.all(), required=False, allow_null=True,
                                                help_text="the release train (an enterprise release) it rolls up into")
    owner = MemberEmailField(required=False, allow_null=True, help_text="default: whoever creates it")
    status = serializers.ChoiceField(choices=ReleaseStatus.choices, required=False)
    risk = serializers.ChoiceField(choices=Risk.choices, required=False)
    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    planned_start = AwareDateTimeField(required=False, allow_null=True)
    planned_end = AwareDateTimeField(required=False, allow_null=True)
    services = ServiceScopeSerializer(many=True, required=False)
    template = serializers.PrimaryKeyRelatedField(queryset=ReleaseTemplate.objects.all(), required=False,
                                                  help_text="make the phases and gates from this template "
                                                            "(needs planned_start)")
    environments = serializers.DictField(child=serializers.SlugField(), required=False, help_text=(
        "with a template: the environment of each phase, by the template phase's order, e.g. {\"2\": \"sit-1\"}"))

    def validate_environments(self, value):
        found = {}
        for order, slug in value.items():
            if not str(order).isdigit():
                raise serializers.ValidationError(f"'{order}' is not a phase order (1, 2, ...).")
            environment = Environment.objects.filter(slug=slug).first()
            if environment is None:
                raise serializers.ValidationError(f"No environment '{slug}'.")
            found[int(order)] = environment
        return found

    def validate(self, data):
        if "template" in data and not data.get("planned_start"):
            raise serializers.ValidationError({"planned_start": "A release made from a template needs its start."})
        if "environments" in data and "template" not in data:
            raise serializers.ValidationError({"environments": "Only with a template."})
        return data


class ReleaseUpdateSerializer(InputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    version = serializers.CharField(max_length=120, required=False)
    value_stream = _slug(ValueStream, required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=ReleaseKind.choices, required=False)
    parent = serializers.PrimaryKeyRelatedField(queryset=Release.objects.all(), required=False, allow_null=True)
    owner = MemberEmailField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ReleaseStatus.choices, required=False)
    risk = serializers.ChoiceField(choices=Risk.choices, required=False)
    strategy = serializers.ChoiceField(choices=Strategy.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    planned_start = AwareDateTimeField(required=False, allow_null=True)
    planned_end = AwareDateTimeField(required=False, allow_null=True)
    services = ServiceScopeSerializer(many=True, required=False)


class AdvanceSerializer(InputSerializer):
    phase = serializers.IntegerField(required=False, min_value=1, help_text=(
        "the phase you mean to move on (the active one, or the first to start); another answers 409"))
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text=(
        "break-glass: start the next phase although its environment is frozen, with this reason (people allowed "
        "to override freezes, or an emergency release; tokens only with TOKENS_MAY_BREAK_GLASS); an override per "
        "freeze is granted for the release and audited. Without it a freeze in force answers 409 naming it"))


class DependencyInputSerializer(InputSerializer):
    depends_on = serializers.PrimaryKeyRelatedField(queryset=Release.objects.all())
    needed_by = AwareDateTimeField(required=False, allow_null=True,
                                   help_text="default: the dependent release's planned start")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


# --- deployment plans -----------------------------------------------------------------------

class ActivityInputSerializer(InputSerializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ActivityKind.choices, required=False)
    owner = MemberEmailField(required=False, allow_null=True)
    planned_at = AwareDateTimeField(required=False, allow_null=True)


class ActivityUpdateSerializer(ActivityInputSerializer):
    title = serializers.CharField(max_length=200, required=False)


class ActivityCompleteSerializer(InputSerializer):
    status = serializers.ChoiceField(choices=ActivityStatus.choices, required=False, help_text="done or skipped")
    evidence_url = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


# --- slots and settings ---------------------------------------------------------------------

class SlotWindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReleaseSlotWindow
        fields = ["id", "name", "capacity", "starts_at", "ends_at", "rrule", "exdates", "time_zone", "last_ends_at",
                  "created_at"]
        read_only_fields = fields


class SlotWindowInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=200)
    starts_at = AwareDateTimeField(help_text="start of the first slot")
    ends_at = AwareDateTimeField(help_text="end of the first slot")
    rrule = serializers.CharField(max_length=500, required=False, allow_blank=True)
    exdates = serializers.ListField(child=AwareDateTimeField(), required=False, max_length=200)
    time_zone = serializers.CharField(max_length=64, required=False)
    capacity = serializers.IntegerField(required=False, min_value=1, max_value=100)


class SlotBookingSerializer(serializers.ModelSerializer):
    release = ReleaseBriefSerializer(read_only=True)
    booked_by = serializers.CharField(source="booked_by_label", read_only=True)

    class Meta:
        model = SlotBooking
        fields = ["id", "window", "release", "slot_start", "slot_end", "booked_by", "booked_at"]
        read_only_fields = fields


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    capacity = serializers.IntegerField(source="window.capacity")
    free = serializers.IntegerField()
    booked = SlotBookingSerializer(many=True)


# Built with type(): the query parameters are named `from` and `to`, which Python reserves.
SlotQuerySerializer = type("SlotQuerySerializer", (serializers.Serializer,), {
    "from": AwareDateTimeField(required=False, help_text="slots ending after this time (default: now)"),
    "to": AwareDateTimeField(required=False, help_text="slots starting before this time (default: 31 days on)"),
})


class SlotBookInputSerializer(InputSerializer):
    release = serializers.PrimaryKeyRelatedField(queryset=Release.objects.all())
    slot_start = AwareDateTimeField()


class ReleaseSettingsSerializer(NullMeansOmitted, serializers.ModelSerializer):
    class Meta:
        model = ReleaseSettings
        fields = ["require_release_slots", "updated_at"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"require_release_slots": {"required": False}}


# --- deployment checks ----------------------------------------------------------------------

class DeploymentCheckInputSerializer(InputSerializer):
    service = serializers.CharField(max_length=60, help_text="the service's slug")
    environment = serializers.CharField(max_length=60, help_text="the environment's slug")
    version = serializers.CharField(max_length=120)
    release = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=BIGINT_MAX,
                                       help_text="default: the open release holding this service version")
    override_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, help_text=(
        "break-glass: deploy through a freeze in force, with this reason (emergency releases, or roles allowed "
        "to override freezes; people only unless TOKENS_MAY_BREAK_GLASS); audited"))


_TIMESTAMP = serializers.DateTimeField()


class DeploymentCheckSerializer(serializers.Serializer):
    """The fields describe the answer (the schema); `to_representation` writes it directly. CI
    asks before every deployment, and building the fields costs more than writing the answer."""

    id = serializers.IntegerField(read_only=True)
    decision = serializers.ChoiceField(choices=Decision.choices, read_only=True)
    reasons = serializers.ListField(child=serializers.DictField(), read_only=True, help_text=(
        'each {"code", "message", "severity": "deny"|"warn", "until", ...}'))
    retry_after = serializers.DateTimeField(read_only=True, allow_null=True)
    service = serializers.CharField(source="service_slug", read_only=True)
    environment = serializers.CharField(source="environment_slug", read_only=True)
    version = serializers.CharField(read_only=True)
    release = serializers.IntegerField(source="release_id", read_only=True, allow_null=True)
    checked_at = serializers.DateTimeField(read_only=True)
    checked_by = serializers.CharField(source="checked_by_label", read_only=True)

    def to_representation(self, check: DeploymentCheck) -> dict:
        return {"id": check.pk, "decision": check.decision, "reasons": check.reasons,
                "retry_after": _TIMESTAMP.to_representation(check.retry_after) if check.retry_after else None,
                "service": check.service_slug, "environment": check.environment_slug, "version": check.version,
                "release": check.release_id, "checked_at": _TIMESTAMP.to_representation(check.checked_at),
                "checked_by": check.checked_by_label}


