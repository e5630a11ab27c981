"""The flow metrics API: the report and the records behind each number (JSON pages or CSV)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from analytics.api.csv_export import CsvExportMixin, records_csv
from analytics.flow.api.serializers import (
    FlowParamsSerializer,
    FlowRecordsPageSerializer,
    FlowRecordsParamsSerializer,
    FlowReportSerializer,
    ForecastParamsSerializer,
    ForecastSerializer,
)
from analytics.flow.forecast import forecast_report, forecast_scope_parse, history_days_parse
from analytics.flow.query import flow_query_parse
from analytics.flow.records import flow_records
from analytics.flow.selectors import flow_report
from analytics.query import query_param
from integrations.models import WorkItem
from vsm.api.base import OrgAPIView
from vsm.api.pagination import Pagination
from vsm.api.schema import BAD_INPUT


class FlowReportView(OrgAPIView):
    """Flow velocity, time, load, efficiency and distribution, where work waits (the
    bottleneck) and the waits the platform measures, for a window and scope (METRICS.md)."""

    queryset = WorkItem.objects.all()

    @extend_schema(parameters=[FlowParamsSerializer], responses={200: FlowReportSerializer, 400: BAD_INPUT})
    def get(self, request, *args, **kwargs):
        return Response(flow_report(query=flow_query_parse(params=request.query_params, org=self.org)))


class FlowRecordsView(CsvExportMixin, OrgAPIView):
    """The records behind one flow number (`metric`), each with why it counted; `format=csv`
    (or `Accept: text/csv`) answers every record as CSV instead of a page."""

    queryset = WorkItem.objects.all()

    @extend_schema(parameters=[FlowRecordsParamsSerializer],
                   responses={200: FlowRecordsPageSerializer, 400: BAD_INPUT})
    def get(self, request, *args, **kwargs):
        params = request.query_params
        query = flow_query_parse(params=params, org=self.org)
        records = flow_records(query=query, metric=query_param(params, "metric") or "",
                               status=query_param(params, "status") or "", cause=query_param(params, "cause") or "")
        if request.accepted_renderer.format == "csv":
            return records_csv(records, f"flow-{records.metric}-{query.window_from}-{query.window_to}")
        paginator = Pagination()
        page = paginator.paginate_queryset(records.rows, request, view=self)
        response = paginator.get_paginated_response(records.describe(page))
        response.data["metric"] = records.metric
        return response


class ForecastView(OrgAPIView):
    """When the open work items of a release, or of a flow scope, will all be done: the 50, 85
    and 95 % dates of a Monte Carlo forecast from the scope's recent daily throughput, with the
    history it used and its assumptions (docs/analytics.md, "Forecast")."""

    queryset = WorkItem.objects.all()

    @extend_schema(parameters=[ForecastParamsSerializer], responses={200: ForecastSerializer, 400: BAD_INPUT})
    def get(self, request, *args, **kwargs):
        params = request.query_params
        scope = forecast_scope_parse(params=params, org=self.org)
        return Response(forecast_report(scope, history_days=history_days_parse(params)))
