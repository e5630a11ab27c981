"""Catalog payloads. Related entries are named by slug ("value_stream": "payments"); team members
by email. Input serializers are plain (the services take keyword arguments); their related-field
querysets use the tenant-scoped default manager, so another organization's slug is unknown here."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from vsm.api.inputs import InputSerializer
from vsm.catalog.forms import DESCRIPTION_MAX
from vsm.catalog.models import Service, Team, ValueStream

MAX_TEAM_SIZE = 500
_EMAILS = serializers.ListField(child=serializers.EmailField())


class _EntryInput(InputSerializer):
    """PUT replaces: an omitted description becomes empty. An omitted slug is kept (on create it
    is made from the name)."""

    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(max_length=60, required=False)
    description = serializers.CharField(max_length=DESCRIPTION_MAX, required=False, allow_blank=True, default="")


class ValueStreamInputSerializer(_EntryInput):
    pass


class ValueStreamSerializer(serializers.ModelSerializer):
    service_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ValueStream
        fields = ["slug", "name", "description", "service_count", "created_at"]


class TeamInputSerializer(_EntryInput):
    """`members` replaces the team's members when given (omitted: unchanged, also on PUT);
    `managers` must be among the members."""

    members = serializers.ListField(child=serializers.EmailField(), required=False, max_length=MAX_TEAM_SIZE,
                                    help_text="emails of the organization's members")
    managers = serializers.ListField(child=serializers.EmailField(), required=False, max_length=MAX_TEAM_SIZE,
                                     help_text="emails of members who approve the team's environments")


class TeamSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()
    managers = serializers.SerializerMethodField()
    service_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = ["slug", "name", "description", "members", "managers", "service_count", "created_at"]

    # memberships are prefetched with their users by the team_list selector.
    @extend_schema_field(_EMAILS)
    def get_members(self, team: Team) -> list[str]:
        return [m.user.email for m in team.memberships.all()]

    @extend_schema_field(_EMAILS)
    def get_managers(self, team: Team) -> list[str]:
        return [m.user.email for m in team.memberships.all() if m.is_manager]


class ServiceInputSerializer(_EntryInput):
    repository_url = serializers.URLField(max_length=200, required=False, allow_blank=True, default="")
    value_stream = serializers.SlugRelatedField(
        slug_field="slug", queryset=ValueStream.objects.all(), required=False, allow_null=True, default=None,
        help_text="slug of a value stream, or null")
    team = serializers.SlugRelatedField(
        slug_field="slug", queryset=Team.objects.all(), required=False, allow_null=True, default=None,
        help_text="slug of a team, or null")


class ServiceSerializer(serializers.ModelSerializer):
    value_stream = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Service
        fields = ["slug", "name", "description", "repository_url", "value_stream", "team", "created_at"]
