"""Catalog endpoints: /services/, /value-streams/, /teams/, looked up by slug. Reads come from
the selectors, writes go through the services; a write answers with the entry as it is stored."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from vsm.api.base import OrgViewSet
from vsm.catalog import services
from vsm.catalog.api.serializers import (
    ServiceInputSerializer,
    ServiceSerializer,
    TeamInputSerializer,
    TeamSerializer,
    ValueStreamInputSerializer,
    ValueStreamSerializer,
)
from vsm.catalog.filters import ServiceFilter
from vsm.catalog.models import Service, Team, ValueStream
from vsm.catalog.selectors import service_list, team_list, value_stream_list
from vsm.tenancy.roles import Perm


def _write_schema(noun: str, input_serializer, output_serializer, example: dict):
    """The schema of create, update and partial_update: input and output differ."""
    def write(summary: str, code: int, examples: list | None = None):
        return extend_schema(summary=summary, request=input_serializer, responses={code: output_serializer},
                             examples=examples or [])
    return {
        "create": write(f"Create a {noun}", 201, [OpenApiExample(f"A new {noun}", value=example, request_only=True)]),
        "update": write(f"Replace a {noun}", 200),
        "partial_update": write(f"Change some fields of a {noun}", 200),
        "destroy": extend_schema(summary=f"Delete a {noun}"),
        "list": extend_schema(summary=f"List {noun}s"),
        "retrieve": extend_schema(summary=f"One {noun}"),
    }


class CatalogViewSet(OrgViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    lookup_field = "slug"
    lookup_value_converter = "slug"
    write_permission = Perm.MANAGE_CATALOG
    input_serializer_class: type[serializers.Serializer]

    def entries(self) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self):
        return self.entries()

    def create_entry(self, data: dict):
        raise NotImplementedError

    def update_entry(self, entry, data: dict):
        raise NotImplementedError

    def delete_entry(self, entry) -> None:
        raise NotImplementedError

    def _stored(self, entry, code: int = status.HTTP_200_OK) -> Response:
        # Re-read through the selector: annotations and prefetched members are part of the payload.
        return Response(self.get_serializer(self.entries().get(pk=entry.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        return self._stored(self.create_entry(self.valid(self.input_serializer_class)), status.HTTP_201_CREATED)

    def update(self, request, *args, partial: bool = False, **kwargs):
        entry = self.get_object()
        return self._stored(self.update_entry(entry, self.valid(self.input_serializer_class, partial=partial)))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request, *args, **kwargs):
        self.delete_entry(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(**_write_schema("value stream", ValueStreamInputSerializer, ValueStreamSerializer, {
    "name": "Payments", "slug": "payments", "description": "Everything that moves money for customers"}))
class ValueStreamViewSet(CatalogViewSet):
    """Value streams: the products or product lines that services deliver into."""

    queryset = ValueStream.objects.all()
    serializer_class = ValueStreamSerializer
    input_serializer_class = ValueStreamInputSerializer

    def entries(self):
        return value_stream_list()

    def create_entry(self, data):
        return services.value_stream_create(actor=self.actor, **data)

    def update_entry(self, entry, data):
        return services.value_stream_update(actor=self.actor, value_stream=entry, **data)

    def delete_entry(self, entry):
        services.value_stream_delete(actor=self.actor, value_stream=entry)


@extend_schema_view(**_write_schema("team", TeamInputSerializer, TeamSerializer, {
    "name": "Checkout", "slug": "checkout", "members": ["ana@example.com", "bo@example.com"],
    "managers": ["ana@example.com"]}))
class TeamViewSet(CatalogViewSet):
    """Teams own services; `members` and `managers` are emails of the organization's members."""

    queryset = Team.objects.all()
    serializer_class = TeamSerializer
    input_serializer_class = TeamInputSerializer

    def entries(self):
        return team_list()

    def create_entry(self, data):
        return services.team_create(actor=self.actor, **data)

    def update_entry(self, entry, data):
        return services.team_update(actor=self.actor, team=entry, **data)

    def delete_entry(self, entry):
        services.team_delete(actor=self.actor, team=entry)


_service_schema = _write_schema("service", ServiceInputSerializer, ServiceSerializer, {
    "name": "Payments API", "slug": "payments-api", "repository_url": "https://git.example.com/acme/payments-api",
    "value_stream": "payments", "team": "checkout"})


@extend_schema_view(**_service_schema)
class ServiceViewSet(CatalogViewSet):
    """Services: what CI builds and deploys. `value_stream` and `team` are slugs."""

    queryset = Service.objects.all()
    serializer_class = ServiceSerializer
    input_serializer_class = ServiceInputSerializer
    filtersets = {"list": ServiceFilter}

    def entries(self):
        return service_list()

    def create_entry(self, data):
        return services.service_create(actor=self.actor, **data)

    def update_entry(self, entry, data):
        return services.service_update(actor=self.actor, service=entry, **data)

    def delete_entry(self, entry):
        services.service_delete(actor=self.actor, service=entry)
