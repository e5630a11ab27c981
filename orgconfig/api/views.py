"""The configuration file over the API: export, plan, apply, and the file's JSON Schema.

Bodies are the file's bytes (`application/yaml`), read as they came: the server parses YAML itself
so every error names the file's line."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from orgconfig import services
from orgconfig.export import export_yaml
from orgconfig.spec import json_schema
from vsm.api.base import OrgAPIView
from vsm.api.inputs import InputSerializer
from vsm.api.schema import BAD_INPUT, CONFLICT
from vsm.tenancy.roles import Perm

YAML = "application/yaml"

class ConfigChangeSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["create", "update", "delete"])
    kind = serializers.CharField(help_text="the file's section, e.g. services")
    key = serializers.CharField(help_text="the object's slug or name in its section")
    fields = serializers.DictField(help_text="each changed field as {from, to}")
    drift = serializers.BooleanField(required=False,
                                     help_text="the object was changed by hand since a file last set it")


Plan = inline_serializer("ConfigPlan", {"changes": ConfigChangeSerializer(many=True)})
Applied = inline_serializer("ConfigApplied", {
    "changes": ConfigChangeSerializer(many=True),
    "change_set": serializers.IntegerField(allow_null=True, help_text="the change set recorded; null: no change"),
})
EXAMPLE = OpenApiExample("A file", request_only=True, media_type=YAML, value=(
    "version: 1\nvalue_streams:\n- slug: payments\n  name: Payments\n"))


class ApplyQuery(InputSerializer):
    prune = serializers.BooleanField(default=False, help_text="delete objects the file does not name")
    source = serializers.CharField(default="", allow_blank=True, max_length=200,
                                   help_text="where the file came from, e.g. a git commit")


class PlanQuery(InputSerializer):
    prune = serializers.BooleanField(default=False, help_text="plan the deletes of objects the file does not name")


class ConfigExportView(OrgAPIView):
    def perform_content_negotiation(self, request, force=False):
        # The file is written as YAML whatever is asked for; a refusal stays the API's JSON error.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(operation_id="config_export", responses={(200, YAML): OpenApiTypes.OBJECT},
                   description="The organization as a configuration file (YAML, stably ordered); its format is "
                               "the JSON Schema of config/schema/.")
    def get(self, request):
        return HttpResponse(export_yaml(), content_type=YAML)


class ConfigSchemaView(OrgAPIView):
    @extend_schema(operation_id="config_schema", responses={200: OpenApiTypes.OBJECT},
                   description="The JSON Schema of a version 1 configuration file.")
    def get(self, request):
        return Response(json_schema())


class ConfigPlanView(OrgAPIView):
    write_permission = Perm.MANAGE_ORGANIZATION

    @extend_schema(operation_id="config_plan", request={YAML: OpenApiTypes.STR}, parameters=[PlanQuery],
                   examples=[EXAMPLE], responses={200: Plan, 400: BAD_INPUT, 409: CONFLICT},
                   description="What applying the file would change (tried and rolled back); an empty list "
                               "when nothing differs.")
    def post(self, request):
        query = self.valid(PlanQuery, request.query_params)
        return Response({"changes": services.config_plan(actor=self.actor, data=request.body, **query)})


class ConfigApplyView(OrgAPIView):
    write_permission = Perm.MANAGE_ORGANIZATION

    @extend_schema(operation_id="config_apply", request={YAML: OpenApiTypes.STR}, parameters=[ApplyQuery],
                   examples=[EXAMPLE],
                   responses={200: Applied, 400: BAD_INPUT,
                              409: OpenApiResponse(CONFLICT.response, description="A delete (prune) that would "
                                                   "break references, or a change that collides; nothing applied.")},
                   description="Apply the file in one transaction, recorded as one change set.")
    def post(self, request):
        query = self.valid(ApplyQuery, request.query_params)
        change_set, plan = services.config_apply(actor=self.actor, data=request.body, **query)
        return Response({"changes": plan, "change_set": change_set.pk if change_set else None})
