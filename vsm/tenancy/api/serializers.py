"""Members, invitations, API tokens and the organization itself. A token's secret appears in
exactly one payload, the answer to its creation; no other serializer has a field that could carry
it. An invitation shows the address it was sent to, never who (if anyone) has that address."""

from __future__ import annotations

from rest_framework import serializers

from vsm.api.inputs import InputSerializer
from vsm.tenancy.models import ApiToken, Invitation, Membership, Organization, validate_time_zone
from vsm.tenancy.roles import Role


class MemberSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "created_at"]
        read_only_fields = fields


class MemberAddSerializer(InputSerializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Invitation.Status.choices, read_only=True,
                                     help_text="invited until accepted, revoked or expired")
    invited_by = serializers.SlugRelatedField(slug_field="email", read_only=True)
    email_sent = serializers.SerializerMethodField(help_text="false: the email failed (see email_error)")

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "invited_by", "created_at", "expires_at", "accepted_at",
                  "revoked_at", "email_sent", "email_error"]
        read_only_fields = fields

    def get_email_sent(self, invitation: Invitation) -> bool:
        return not invitation.email_error


class MemberRoleSerializer(InputSerializer):
    role = serializers.ChoiceField(choices=Role.choices)


class TokenSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="email", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "role", "prefix", "created_by", "created_at", "expires_at", "last_used_at",
                  "revoked_at", "is_active"]
        read_only_fields = fields


class TokenCreatedSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text="the secret: shown in this answer only, never again")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class TokenCreateSerializer(InputSerializer):
    name = serializers.CharField(max_length=100, help_text="what uses it, e.g. 'github-actions deploy job'")
    role = serializers.ChoiceField(choices=Role.choices, default=Role.ENGINEER)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                           help_text="null: never (revoke it when no longer needed)")


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["slug", "name", "time_zone", "created_at"]
        read_only_fields = fields


class OrganizationUpdateSerializer(InputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    time_zone = serializers.CharField(max_length=64, required=False, validators=[validate_time_zone],
                                      help_text="an IANA zone, e.g. Europe/Berlin")
