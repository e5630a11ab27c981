from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from vsm.api.base import OrgAPIView


class WhoAmIView(OrgAPIView):
    """Who the credentials belong to, in this organization: the first call a CI job makes to
    check its token, and the bare authenticated endpoint benchmarks compare against."""

    @extend_schema(
        operation_id="whoami",
        responses=inline_serializer("WhoAmI", {
            "organization": serializers.CharField(),
            "principal": serializers.CharField(),
            "kind": serializers.ChoiceField(choices=["token", "user"]),
            "role": serializers.CharField(),
        }),
        examples=[OpenApiExample("A CI token", value={
            "organization": "acme", "principal": "token:github-actions", "kind": "token", "role": "engineer"})],
    )
    def get(self, request):
        actor = request.actor
        return Response({
            "organization": request.organization.slug,
            "principal": actor.label,
            "kind": "token" if actor.token is not None else "user",
            "role": actor.role,
        })
