"""The flow metrics API: the report and the records behind each number (JSON pages or CSV)."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from analytics.api.flow_serializers import (
    FlowParamsSerializer,
    FlowRecordsPageSerializer,
    FlowRecordsParamsSerializer,
    FlowReportSerializer,
)
from analytics.flow import flow_report
from analytics.flow_query import flow_query_parse
from analytics.flow_records import RecordSet, flow_records
from integrations.models import WorkItem
from vsm.api.base import OrgAPIView
from vsm.api.pagination import Pagination
from vsm.api.schema import ErrorSerializer

BAD_INPUT = OpenApiResponse(ErrorSerializer, description="Invalid input; `error.fields` names the parameter.")
CSV_CHUNK = 500


class CSVRenderer(BaseRenderer):
    """Lets `?format=csv` through content negotiation; the view writes the CSV itself."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


def records_csv(records: RecordSet, filename: str) -> HttpResponse:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=records.columns, extrasaction="ignore")
    writer.writeheader()
    rows = records.rows
    for offset in range(0, len(rows) if isinstance(rows, list) else rows.count(), CSV_CHUNK):
        for row in records.describe(list(rows[offset:offset + CSV_CHUNK])):
            writer.writerow({key: "" if row.get(key) is None else row.get(key) for key in records.columns})
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


class FlowReportView(OrgAPIView):
    """Flow velocity, time, load, efficiency and distribution, where work waits (the
    bottleneck) and the waits the platform measures, for a window and scope (METRICS.md)."""

    queryset = WorkItem.objects.all()

    @extend_schema(parameters=[FlowParamsSerializer], responses={200: FlowReportSerializer, 400: BAD_INPUT})
    def get(self, request, *args, **kwargs):
        return Response(flow_report(query=flow_query_parse(params=request.query_params, org=self.org)))


class FlowRecordsView(OrgAPIView):
    """The records behind one flow number (`metric`), each with why it counted; `format=csv`
    answers every record as CSV instead of a page."""

    queryset = WorkItem.objects.all()
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(parameters=[FlowRecordsParamsSerializer],
                   responses={200: FlowRecordsPageSerializer, 400: BAD_INPUT})
    def get(self, request, *args, **kwargs):
        params = request.query_params
        query = flow_query_parse(params=params, org=self.org)
        records = flow_records(query=query, metric=params.get("metric", ""), status=params.get("status", ""),
                               cause=params.get("cause", ""))
        if params.get("format") == "csv":
            return records_csv(records, f"flow-{records.metric}-{query.window_from}-{query.window_to}")
        paginator = Pagination()
        page = paginator.paginate_queryset(records.rows, request, view=self)
        response = paginator.get_paginated_response(records.describe(page))
        response.data["metric"] = records.metric
        return response
