"""The DORA metrics API: parse the query, call analytics.dora.selectors, answer JSON or CSV."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response

from analytics.api.csv_export import CsvExportMixin
from analytics.dora.api.serializers import (
    DoraBreakdownQuerySerializer,
    DoraBreakdownSerializer,
    DoraQuerySerializer,
    DoraRecordPageSerializer,
    DoraRecordsQuerySerializer,
    DoraReportSerializer,
)
from analytics.dora.breakdown import by_parse
from analytics.dora.records import DoraRecordPages, counted_parse
from analytics.dora.selectors import dora_breakdown, dora_report
from analytics.query import MetricQuery, metric_query_parse, query_param
from integrations.models import Deployment
from vsm.api.base import OrgAPIView
from vsm.api.pagination import Pagination
from vsm.api.schema import BAD_INPUT

_BLOCKS = {
    "deployment_frequency": {"deployments": 42, "deployment_days": 30, "per_day": 0.4667,
                             "median_deployment_days_per_week": 3.0, "median_deployment_days_per_month": 10.0,
                             "level": "high"},
    "change_lead_time": {"median_hours": 20.5, "p90_hours": 96.0, "changes": 180, "level": "elite"},
    "change_failure_rate": {"rate": 0.0714, "failed_deployments": 3, "deployments": 42, "level": "high"},
    "failed_deployment_recovery_time": {"median_hours": 2.25, "recovered": 2, "open": 1, "level": "high"},
    "deployment_rework_rate": {"rate": 0.0952, "rework_deployments": 4, "deployments": 42},
}
REPORT_EXAMPLE = OpenApiExample("90 days, weekly", value={
    "window": {"from": "2026-01-01", "to": "2026-03-31", "days": 90, "time_zone": "Europe/Berlin"},
    **_BLOCKS, "series": [{"period_start": "2025-12-29", "days": 4, **_BLOCKS}]})
RECORDS_EXAMPLE = OpenApiExample("change failure rate", value={"count": 1, "next": None, "previous": None, "results": [
    {"deployment_id": 812, "service": "payments-api", "finished_at": "2026-03-03T15:00:00Z", "version": "4.2.0",
     "commit_sha": "9f3c...", "kind": "normal", "status": "succeeded", "counted": True,
     "why": "failed: incident INC0012 attributed by time window", "incidents": ["INC0012"]}]})


class _DoraView(CsvExportMixin, OrgAPIView):
    # The walker fills <int:pk> from this; the views read through analytics.dora.
    queryset = Deployment.objects.all()

    def metric_query(self) -> MetricQuery:
        return metric_query_parse(params=self.request.query_params, org=self.org)


class DoraReportView(_DoraView):
    """The five DORA metrics (METRICS.md) for a window and scope, with an optional series."""

    @extend_schema(parameters=[DoraQuerySerializer], responses={200: DoraReportSerializer, 400: BAD_INPUT},
                   examples=[REPORT_EXAMPLE], description="Add `format=csv` (or `Accept: text/csv`) for CSV.")
    def get(self, request):
        return Response(dora_report(query=self.metric_query()))


class DoraBreakdownView(_DoraView):
    """The five DORA metrics per service, team or value stream (`by`) of the window and scope,
    each group's blocks exactly as metrics/dora/ gives them for that group alone."""

    @extend_schema(parameters=[DoraBreakdownQuerySerializer],
                   responses={200: DoraBreakdownSerializer, 400: BAD_INPUT},
                   description="Add `format=csv` (or `Accept: text/csv`) for one CSV row per group.")
    def get(self, request):
        by = by_parse(request.query_params)
        query = self.metric_query()
        return Response({"by": by, "from": query.window_from.isoformat(), "to": query.window_to.isoformat(),
                         "results": dora_breakdown(query=query, by=by)})


class DoraRecordsView(_DoraView):
    """The deployments or changes behind one metric, newest first, each with why it counted."""

    @extend_schema(parameters=[DoraRecordsQuerySerializer], responses={200: DoraRecordPageSerializer,
                                                                      400: BAD_INPUT},
                   examples=[RECORDS_EXAMPLE], description="Add `format=csv` (or `Accept: text/csv`) for CSV.")
    def get(self, request):
        params = request.query_params
        pages = DoraRecordPages(self.metric_query(), query_param(params, "metric") or "", counted_parse(params))
        paginator = Pagination()
        rows = paginator.paginate_queryset(pages, request, view=self)
        return paginator.get_paginated_response(rows)
