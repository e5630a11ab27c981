"""The value stream map API: the map and the items behind each of its numbers."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from analytics.flow.api.views import BAD_INPUT
from analytics.query import metric_query_parse, query_param
from analytics.streammap.api.serializers import (
    MapQuerySerializer,
    MapRecordsPageSerializer,
    MapRecordsQuerySerializer,
    ValueStreamMapSerializer,
)
from analytics.streammap.selectors import value_stream_map, value_stream_map_records
from integrations.models import WorkItem
from vsm.api.base import OrgAPIView
from vsm.api.pagination import Pagination


class ValueStreamMapView(OrgAPIView):
    """Per stage from a work item's start to production, the median hours split into active and
    waiting; the whole map's lead time, active time and flow efficiency; how many items each
    event was found for. Stages: the value stream's own when exactly one is asked for, else the
    organization's default map, else the built-in stages."""

    queryset = WorkItem.objects.all()

    @extend_schema(parameters=[MapQuerySerializer], responses={200: ValueStreamMapSerializer, 400: BAD_INPUT})
    def get(self, request, *args, **kwargs):
        return Response(value_stream_map(query=metric_query_parse(params=request.query_params, org=self.org)))


class ValueStreamMapRecordsView(OrgAPIView):
    """The work items behind a number of the map (`stage`), or the window's items (`event`:
    those for which it was found), each with why it counted."""

    queryset = WorkItem.objects.all()

    @extend_schema(parameters=[MapRecordsQuerySerializer], responses={200: MapRecordsPageSerializer, 400: BAD_INPUT})
    def get(self, request, *args, **kwargs):
        params = request.query_params
        query = metric_query_parse(params=params, org=self.org)
        records = value_stream_map_records(query=query, stage=query_param(params, "stage") or "",
                                           event=query_param(params, "event") or "")
        paginator = Pagination()
        return paginator.get_paginated_response(paginator.paginate_queryset(records, request, view=self))
