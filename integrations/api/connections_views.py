"""The connections API: connections (secrets write-only), "sync now", "test connection", sync
runs and webhook deliveries. Parse, call one service or selector, answer. All of it is for
those who manage connections."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from integrations import connection_selectors as selectors
from integrations.api import connections_serializers as s
from integrations.filters import SyncRunFilter, WebhookDeliveryFilter
from integrations.models import Connection, SyncRun, WebhookDelivery
from integrations.services import connections as services
from integrations.services.webhooks import delivery_replay
from vsm.api.base import OrgViewSet
from vsm.api.schema import BAD_INPUT, ErrorSerializer
from vsm.tenancy.roles import Perm

CREATE_EXAMPLE = OpenApiExample("A Jira Server site", request_only=True, value={
    "kind": "jira", "name": "Jira", "base_url": "https://jira.example.com",
    "credentials": {"username": "sluice-sync", "password": "api-token"},
    "options": {"jql": "project = PAY", "api": "v2", "time_zone": "Europe/Berlin", "writeback_transition": "Done"},
    "sync_enabled": True, "sync_interval_minutes": 15})


class _AdminViewSet(OrgViewSet):
    permission = Perm.MANAGE_CONNECTIONS
    write_permission = Perm.MANAGE_CONNECTIONS


class ConnectionViewSet(_AdminViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Connections to the toolchain. `DELETE` archives: the records a connection brought in stay."""

    queryset = Connection.objects.all()
    serializer_class = s.ConnectionSerializer

    def get_queryset(self):
        return selectors.connection_list(include_archived=self.action != "list")

    @extend_schema(request=s.ConnectionInputSerializer, responses={201: s.ConnectionSerializer, 400: BAD_INPUT,
                                                                    409: ErrorSerializer}, examples=[CREATE_EXAMPLE])
    def create(self, request):
        data = self.valid(s.ConnectionInputSerializer)
        connection = services.connection_create(actor=self.actor, **data)
        return Response(self.get_serializer(connection).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ConnectionChangeSerializer, responses={200: s.ConnectionSerializer, 400: BAD_INPUT,
                                                                     409: ErrorSerializer})
    def partial_update(self, request, pk=None):
        connection = self.get_object()
        data = self.valid(s.ConnectionChangeSerializer, partial=True)
        connection = services.connection_update(actor=self.actor, connection=connection, **data)
        return Response(self.get_serializer(connection).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.connection_archive(actor=self.actor, connection=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: s.SyncRunSerializer, 400: BAD_INPUT, 409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        """Sync now: queue a pull; follow it at `sync-runs/<id>/`."""
        run = services.connection_sync_request(connection=self.get_object(), actor=self.actor)
        run.refresh_from_db()  # without a broker the run has finished by now
        return Response(s.SyncRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: s.ProbeSerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Test the connection: one authenticated read of each pull target; nothing is stored."""
        answer = services.connection_test(actor=self.actor, connection=self.get_object())
        return Response(s.ProbeSerializer({"ok": answer.ok, "message": answer.message}).data)


class SyncRunViewSet(_AdminViewSet, mixins.RetrieveModelMixin):
    queryset = SyncRun.objects.all()
    serializer_class = s.SyncRunSerializer
    filtersets = {"list": SyncRunFilter}

    def get_queryset(self):
        return selectors.sync_run_list()

    @extend_schema(responses=s.SyncRunSerializer(many=True))
    def list(self, request):
        rows = self.paginate_queryset(self.filter_queryset(selectors.sync_run_list()))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class WebhookDeliveryViewSet(_AdminViewSet, mixins.RetrieveModelMixin):
    queryset = WebhookDelivery.objects.all()
    serializer_class = s.WebhookDeliveryDetailSerializer
    filtersets = {"list": WebhookDeliveryFilter}

    def get_queryset(self):
        return selectors.webhook_delivery_list() if self.action == "list" else WebhookDelivery.objects.select_related(
            "connection")

    @extend_schema(responses=s.WebhookDeliverySerializer(many=True))
    def list(self, request):
        rows = self.paginate_queryset(self.filter_queryset(selectors.webhook_delivery_list()))
        return self.get_paginated_response(s.WebhookDeliverySerializer(rows, many=True).data)

    @extend_schema(request=None, responses={200: s.WebhookDeliveryDetailSerializer, 403: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        """Process a stored delivery again (after a mapping change, or one that failed)."""
        delivery = delivery_replay(delivery=self.get_object(), actor=self.actor)
        return Response(self.get_serializer(delivery).data)
