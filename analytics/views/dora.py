"""The DORA pages: the organization's dashboard, a value stream's dashboard and the drill-down
behind every number. Every number comes from analytics.dora (dora_report, dora_records), the
same functions the metrics API answers with."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from analytics.dora import dora_report
from analytics.dora_records import DoraRecordPages
from analytics.query import INTERVALS
from analytics.selectors import scope_choices, value_stream_get
from analytics.views import figures
from analytics.views.filters import PRESETS, SCOPES, Filters, filters_from_request
from analytics.views.tiles import METRIC_KEYS, METRICS, tiles
from vsm.tenancy.pages import OrgView, paginate

RECORDS_PAGE_SIZE = 50


def filter_context(filters: Filters, *, scopes: tuple[str, ...] = SCOPES, value_stream=None) -> dict:
    """What the filter form needs: the parsed filters, the choices of each scope it offers."""
    return {"filters": filters, "presets": PRESETS, "intervals": INTERVALS,
            "choices": scope_choices(scopes=scopes, value_stream=value_stream)}


def dora_context(request, filters: Filters) -> dict:
    """The numbers, their trend and the charts for the window and scope the filters name; each
    tile and each period of the series carries the link to its drill-down."""
    if filters.query is None:
        return {}
    records_url = reverse("analytics:dora_records", kwargs={"org_slug": request.organization.slug})
    report = dora_report(query=filters.query)
    series = report.get("series") or []
    window_tiles = tiles(report, dora_report(query=filters.previous()))
    for tile in window_tiles:
        tile["drill"] = f"{records_url}?{filters.params(metric=tile['metric'].key)}"
    return {
        "report": report, "tiles": window_tiles,
        "has_data": bool(report["deployment_frequency"].get("deployments")),
        "series_charts": [(metric, figures.series_figure(series, metric)) for metric in METRICS],
        "correlation_chart": figures.correlation_figure(series),
        "periods": [{**period, "entry": entry, "drill": f"{records_url}?{filters.params(**period)}&metric="}
                    for period, entry in zip(filters.periods(series), series, strict=True)],
    }


def _render_dashboard(request, template: str, filters: Filters, *, scopes: tuple[str, ...] = SCOPES,
                      value_stream=None):
    """A dashboard page. htmx asks for the same page when a filter changes and swaps its main part."""
    context = {**filter_context(filters, scopes=scopes, value_stream=value_stream), **dora_context(request, filters),
               "value_stream": value_stream}
    return render(request, template, context, status=400 if filters.errors else 200)


class DashboardView(OrgView):
    """The organization's DORA dashboard, narrowed by the filters to value streams, services or
    teams."""

    def get(self, request):
        filters = filters_from_request(request)
        return _render_dashboard(request, "analytics/dashboard.html", filters)


class ValueStreamDashboardView(OrgView):
    """One value stream's dashboard: the organization's, pinned to the stream, with its services."""

    def get(self, request, value_stream_slug: str):
        stream = value_stream_get(slug=value_stream_slug)
        if stream is None:
            raise Http404("No such value stream.")
        filters = filters_from_request(request, fixed={"value_stream": stream.slug})
        return _render_dashboard(request, "analytics/value_stream.html", filters, value_stream=stream,
                                 scopes=("service", "team"))


class RecordsView(OrgView):
    """The rows behind one number (?metric=), each with why it counted, in pages; the CSV
    download is the metrics API's."""

    def get(self, request):
        metric = request.GET.get("metric", "")
        filters = filters_from_request(request, series=False)
        if metric not in METRIC_KEYS:
            filters.errors = {"metric": [f"Choose one of: {', '.join(METRIC_KEYS)}."], **filters.errors}
        context = {**filter_context(filters), "metric": next((m for m in METRICS if m.key == metric), None)}
        if filters.errors:
            return render(request, "analytics/records.html", context, status=400)
        page = paginate(request, DoraRecordPages(filters.query, metric), RECORDS_PAGE_SIZE)["page_obj"]
        columns = [key for key in (page.object_list[0] if page.object_list else {}) if key not in ("why", "counted")]
        api = reverse("analytics-api:dora_records", kwargs={"org_slug": self.org.slug})
        dashboard = reverse("analytics:dashboard", kwargs={"org_slug": self.org.slug})
        context.update(
            page_obj=page, columns=columns,
            table=[{"cells": [(c, row.get(c)) for c in columns], "why": row.get("why"), "counted": row.get("counted")}
                   for row in page.object_list],
            metric_links=[(m, f"?{filters.params(metric=m.key)}") for m in METRICS],
            dashboard_url=f"{dashboard}?{filters.params(window='custom')}",
            # The API's CSV is one page of records: the one shown here.
            csv_url=f"{api}?" + filters.params(metric=metric, format="csv", page=str(page.number),
                                               page_size=str(RECORDS_PAGE_SIZE)))
        return render(request, "analytics/records.html", context)
