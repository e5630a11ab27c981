"""API shapes. Inputs and outputs are separate where they differ; related rows are named by slug."""

from __future__ import annotations

from rest_framework import serializers

from environments.models import (
    Booking,
    BookingKind,
    DeploymentApprovalRequest,
    Environment,
    EnvironmentGroup,
    Lease,
    Outage,
    ProvisioningRequest,
    Tier,
)
from vsm.api.inputs import InputSerializer
from vsm.catalog.models import Team, ValueStream


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that must carry its UTC offset: a CI runner's local zone is nobody's guess."""

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2025-03-01T09:00:00+01:00 or 2025-03-01T08:00:00Z.",
    }

    def enforce_timezone(self, value):
        if value.tzinfo is None or value.utcoffset() is None:
            self.fail("naive")
        return super().enforce_timezone(value)


def _slug_field(model, **kwargs):
    return serializers.SlugRelatedField(slug_field="slug", queryset=model.objects.all(), **kwargs)


# --- environments and groups ----------------------------------------------------------------

class EnvironmentSerializer(serializers.ModelSerializer):
    value_stream = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owning_team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    group = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Environment
        fields = ["id", "name", "slug", "tier", "is_production", "status", "status_reason", "capacity",
                  "requires_approval", "requires_booking", "requires_deployment_approval", "is_bookable",
                  "max_booking_hours", "url", "description", "value_stream", "owning_team", "group", "created_at"]
        read_only_fields = fields


class EnvironmentInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=60, required=False)
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    is_production = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(choices=Environment.Status.choices, required=False)
    status_reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    capacity = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    requires_approval = serializers.BooleanField(required=False)
    requires_booking = serializers.BooleanField(required=False)
    requires_deployment_approval = serializers.BooleanField(required=False)
    is_bookable = serializers.BooleanField(required=False)
    max_booking_hours = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    url = serializers.URLField(required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    value_stream = _slug_field(ValueStream, required=False, allow_null=True)
    owning_team = _slug_field(Team, required=False, allow_null=True)
    group = _slug_field(EnvironmentGroup, required=False, allow_null=True)


class GroupSerializer(serializers.ModelSerializer):
    environments = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = EnvironmentGroup
        fields = ["id", "name", "slug", "description", "environments", "created_at"]
        read_only_fields = fields


class GroupInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=60, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    environments = _slug_field(Environment, many=True, required=False)


# --- bookings -------------------------------------------------------------------------------

class BookingSerializer(serializers.ModelSerializer):
    environment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requester = serializers.CharField(source="requester_label", read_only=True)
    start = serializers.DateTimeField(read_only=True)
    end = serializers.DateTimeField(read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="email", read_only=True)
    decided_by_token = serializers.SlugRelatedField(slug_field="name", read_only=True)
    group = serializers.SlugRelatedField(source="via_group", slug_field="slug", read_only=True)

    class Meta:
        model = Booking
        fields = ["id", "environment", "team", "requester", "purpose", "kind", "release_ref", "start", "end",
                  "status", "series", "group", "decided_by", "decided_by_token", "decided_at", "decision_note",
                  "created_at"]
        read_only_fields = fields


class BookingBriefSerializer(serializers.ModelSerializer):
    environment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    start = serializers.DateTimeField(read_only=True)
    end = serializers.DateTimeField(read_only=True)

    class Meta:
        model = Booking
        fields = ["id", "environment", "start", "end", "status"]
        read_only_fields = fields


class BookingCreatedSerializer(BookingSerializer):
    """The first booking made, plus every booking the request made (occurrences, group members)."""

    bookings = serializers.SerializerMethodField()

    class Meta(BookingSerializer.Meta):
        fields = [*BookingSerializer.Meta.fields, "bookings"]
        read_only_fields = fields

    def get_bookings(self, obj) -> list[dict]:
        return BookingBriefSerializer(self.context["all_bookings"], many=True).data


class BookingRequestSerializer(InputSerializer):
    environment = _slug_field(Environment, required=False, help_text="the environment's slug; or give `group`")
    group = _slug_field(EnvironmentGroup, required=False, help_text="book every member of this group")
    start = AwareDateTimeField()
    end = AwareDateTimeField(help_text="exclusive: a booking ending at 10:00 leaves 10:00 free")
    purpose = serializers.CharField(max_length=500)
    kind = serializers.ChoiceField(choices=BookingKind.choices, default=BookingKind.CODE)
    team = _slug_field(Team, required=False, allow_null=True, help_text="default: the requester's only team")
    release_ref = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    rrule = serializers.CharField(max_length=500, required=False, allow_blank=True, allow_null=True,
                                  help_text="RFC 5545 RRULE without DTSTART, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=6; "
                                            "expanded in the organization's time zone")

    def validate(self, attrs):
        if ("environment" in attrs) == ("group" in attrs):
            raise serializers.ValidationError({"environment": ["Give either `environment` or `group`."]})
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": ["The end must be after the start."]})
        return attrs


class DecisionSerializer(InputSerializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ExtendSerializer(InputSerializer):
    end = AwareDateTimeField(help_text="the new end, later than the current one")


class ShortenSerializer(InputSerializer):
    end = AwareDateTimeField(help_text="the new end: earlier than the current one, after the start and in the future")


# --- outages --------------------------------------------------------------------------------

class OutageSerializer(serializers.ModelSerializer):
    environment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    start = serializers.DateTimeField(read_only=True)
    end = serializers.DateTimeField(read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = Outage
        fields = ["id", "environment", "kind", "start", "end", "reason", "created_by", "created_at"]
        read_only_fields = fields


class OutageInputSerializer(InputSerializer):
    environment = _slug_field(Environment)
    kind = serializers.ChoiceField(choices=Outage.Kind.choices, default=Outage.Kind.MAINTENANCE)
    start = AwareDateTimeField()
    end = AwareDateTimeField()
    reason = serializers.CharField(max_length=300)


# --- leases ---------------------------------------------------------------------------------

class LeaseRequestSerializer(InputSerializer):
    booking = serializers.IntegerField(required=False, min_value=1, help_text="the booking the job deploys under")
    service = serializers.SlugField(required=False, help_text="the service deployed; its team's booking counts")
    version = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    ttl_seconds = serializers.IntegerField(required=False, help_text="default 900 (15 minutes)")


class LeaseTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="the lease token returned when the lease was granted")
    ttl_seconds = serializers.IntegerField(required=False)


class LeaseSerializer(serializers.ModelSerializer):
    environment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    service = serializers.CharField(source="service_slug", read_only=True)
    holder = serializers.CharField(source="holder_label", read_only=True)
    is_valid = serializers.SerializerMethodField()

    class Meta:
        model = Lease
        fields = ["id", "environment", "booking", "team", "service", "version", "holder", "acquired_at",
                  "expires_at", "released_at", "is_valid"]
        read_only_fields = fields

    def get_is_valid(self, obj) -> bool:
        return obj.is_valid()


class LeaseGrantedSerializer(LeaseSerializer):
    token = serializers.SerializerMethodField(help_text="shown once: renew and release with it")

    class Meta(LeaseSerializer.Meta):
        fields = [*LeaseSerializer.Meta.fields, "token"]
        read_only_fields = fields

    def get_token(self, obj) -> str:
        return self.context["secret"]


# --- deployment approvals and provisioning --------------------------------------------------

class DeploymentApprovalSerializer(serializers.ModelSerializer):
    environment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    service = serializers.CharField(source="service_slug", read_only=True)
    requester = serializers.CharField(source="requester_label", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="email", read_only=True)
    decided_by_token = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = DeploymentApprovalRequest
        fields = ["id", "environment", "service", "version", "status", "requester", "requested_at", "decided_by",
                  "decided_by_token", "decided_at", "note"]
        read_only_fields = fields


class DeploymentApprovalInputSerializer(InputSerializer):
    environment = _slug_field(Environment)
    service = serializers.SlugField()
    version = serializers.CharField(max_length=120)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ProvisioningRequestSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    environment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requester = serializers.CharField(source="requester_label", read_only=True)

    class Meta:
        model = ProvisioningRequest
        fields = ["id", "team", "tier", "purpose", "needed_by", "status", "requester", "requested_at",
                  "provisioning_at", "ready_at", "declined_at", "environment", "note"]
        read_only_fields = fields


class ProvisioningInputSerializer(InputSerializer):
    team = _slug_field(Team)
    tier = serializers.ChoiceField(choices=Tier.choices)
    purpose = serializers.CharField(max_length=500)
    needed_by = serializers.DateField()


class ProvisioningAdvanceSerializer(InputSerializer):
    status = serializers.ChoiceField(choices=[ProvisioningRequest.Status.PROVISIONING, ProvisioningRequest.Status.READY,
                                              ProvisioningRequest.Status.DECLINED])
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    environment = _slug_field(Environment, required=False, allow_null=True,
                              help_text="the environment it became, when ready")
