"""Members, API tokens and the organization itself. A token's secret appears in exactly one
payload, the answer to its creation; no other serializer has a field that could carry it."""

from __future__ import annotations

from rest_framework import serializers

from vsm.api.inputs import InputSerializer
from vsm.tenancy.models import ApiToken, Membership, Organization, validate_time_zone
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
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                      help_text="used when the email has no account yet")


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
