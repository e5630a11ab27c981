"""The flow page (velocity, flow time, load, efficiency, distribution, where work waits and the
platform's own waits) and the drill-down behind each of its numbers. The numbers come from
analytics.flow.selectors and analytics.flow.records, the functions the metrics API answers with."""

from __future__ import annotations

from urllib.parse import urlencode

import plotly.graph_objects as go
from django.shortcuts import render
from django.urls import reverse

from analytics import charts
from analytics.flow.forecast import forecast_report, forecast_scope_parse, history_days_parse
from analytics.flow.query import FlowQuery, flow_types_parse
from analytics.flow.records import METRICS, flow_records
from analytics.flow.scope import FLOW_TYPES
from analytics.flow.selectors import flow_report
from analytics.page_filters import Filters, filter_context, filters_from_request
from analytics.query import query_param
from vsm.errors import InvalidInput
from vsm.tenancy.pages import OrgView, paginate

C = charts.COLORS
RECORDS_PAGE_SIZE = 50
LABELS = {"velocity": "Flow velocity", "flow_time": "Flow time", "load": "Flow load", "efficiency": "Flow efficiency",
          "distribution": "Flow distribution", "waits": "Where work waits", "booking_decisions": "Booking decisions",
          "sign_offs": "Gate sign-offs", "deployment_holds": "Deployment holds"}


def flow_filters(request) -> tuple[Filters, FlowQuery | None, list[str]]:
    """The shared window and scope filters plus `flow_type` (repeatable), read by the API's parser."""
    filters = filters_from_request(request, series=False)
    chosen = [value for value in request.GET.getlist("flow_type") if value]
    try:
        flow_types = flow_types_parse(request.GET)
    except InvalidInput as error:
        filters.errors = {**filters.errors, **error.fields}
    if filters.query is None or filters.errors:
        return filters, None, chosen
    return filters, FlowQuery.narrowed(filters.query, flow_types), chosen


def _params(filters: Filters, flow_types: list[str], **extra) -> str:
    query = filters.params(**extra)
    return query + "".join(f"&flow_type={value}" for value in flow_types)


def _bar(x, y, *, label: str, color: str = C["brand"], axis: str = "", horizontal: bool = False, height: int = 260):
    trace = go.Bar(y=x, x=y, orientation="h", marker_color=color) if horizontal else go.Bar(x=x, y=y,
                                                                                             marker_color=color)
    figure = go.Figure(trace)
    figure.update_layout(showlegend=False, **({"xaxis_title": axis} if horizontal else {"yaxis_title": axis}))
    if horizontal:
        figure.update_yaxes(autorange="reversed")
    return charts.figure_html(figure, label=label, height=height)


def flow_charts(report: dict) -> dict:
    weeks = report["velocity"]["per_week"]
    days = report["load"]["per_day"]
    statuses = report["waits"]["statuses"][:12]
    shares = [row for row in report["distribution"]["flow_types"] if row["items"]]
    result = {
        "velocity": _bar([w["week_start"] for w in weeks], [w["items"] for w in weeks], axis="items done",
                         label="Items done per week") if report["velocity"]["items"] else None,
        "load": _bar([d["date"] for d in days], [d["items"] for d in days], axis="items in progress",
                     color=C["brand_soft"], label="Items in progress at the end of each day") if days else None,
        "waits": None, "distribution": None,
    }
    if statuses:
        figure = go.Figure(go.Bar(y=[s["status"] for s in statuses], x=[s["total_hours"] for s in statuses],
                                  orientation="h",
                                  marker_color=[C["bad"] if s["waiting"] else C["ok"] for s in statuses]))
        figure.update_layout(xaxis_title="hours in status (total)", showlegend=False)
        figure.update_yaxes(autorange="reversed")
        result["waits"] = charts.figure_html(figure, label="Total hours per status; waiting statuses in red",
                                             height=80 + 28 * len(statuses))
    if shares:
        figure = go.Figure(go.Pie(labels=[s["flow_type"] for s in shares], values=[s["items"] for s in shares],
                                  hole=.45, sort=False))
        result["distribution"] = charts.figure_html(figure, label="Share of items done per flow type", height=260)
    return result


def forecast_charts(report: dict) -> dict:
    """The runs finished per day with the three percentile dates marked, and the history's
    items done per day."""
    result = {"runs": None, "history": None}
    if report["distribution"]:
        days = report["distribution"]
        figure = go.Figure(go.Bar(x=[d["date"] for d in days], y=[d["runs"] for d in days], marker_color=C["brand"]))
        for row in report["percentiles"]:
            if row["date"] is not None:
                # The line and its label apart: plotly cannot place a line's own label on a date axis.
                figure.add_vline(x=row["date"].isoformat(), line_dash="dot", line_color=C["bad"])
                figure.add_annotation(x=row["date"].isoformat(), y=1, yref="paper", yanchor="bottom",
                                      text=f"{row['percent']} %", showarrow=False)
        figure.update_layout(showlegend=False, yaxis_title="runs done that day")
        result["runs"] = charts.figure_html(figure, label="Runs of the forecast finished on each day, with the "
                                                          "50, 85 and 95 % dates marked", height=280)
    if report["history"]["items"]:
        days = report["history"]["per_day"]
        result["history"] = _bar([d["date"] for d in days], [d["items"] for d in days], axis="items done",
                                 label="Items done on each day of the history", height=220)
    return result


HISTORY_CHOICES = (30, 90, 180)
# The flow page's parameters that say which items a forecast counts (the window does not).
FORECAST_SCOPE = ("value_stream", "service", "team", "flow_type")


class ForecastView(OrgView):
    """When will it be done: the forecast of a release's open items (?release=) or of the flow
    scope's (the flow page's filters), with the history it used and its assumptions."""

    def get(self, request):
        try:
            scope = forecast_scope_parse(params=request.GET, org=self.org)
            history_days = history_days_parse(request.GET)
        except InvalidInput as error:
            return render(request, "analytics/forecast.html", {"errors": error.fields}, status=400)
        report = forecast_report(scope, history_days=history_days)
        flow_params = request.GET.copy()
        flow_params.pop("release", None)
        flow_params.pop("history_days", None)
        history_links = []
        for days in HISTORY_CHOICES:
            params = request.GET.copy()
            params["history_days"] = str(days)
            history_links.append((days, f"?{params.urlencode()}"))
        return render(request, "analytics/forecast.html", {
            "report": report, "charts": forecast_charts(report), "history_links": history_links,
            "flow_url": f"{reverse('analytics:flow', kwargs={'org_slug': self.org.slug})}?{flow_params.urlencode()}",
            "api_url": f"/api/v1/orgs/{self.org.slug}/metrics/flow/forecast/?{request.GET.urlencode()}"})


class FlowView(OrgView):
    """Flow metrics of the organization, narrowed by the filters."""

    def get(self, request):
        filters, query, flow_types = flow_filters(request)
        context = {**filter_context(filters), "flow_types": FLOW_TYPES, "chosen_flow_types": flow_types}
        if query is not None:
            report = flow_report(query=query)
            records = reverse("analytics:flow_records", kwargs={"org_slug": self.org.slug})
            forecast = reverse("analytics:flow_forecast", kwargs={"org_slug": self.org.slug})
            scope = urlencode([(name, value) for name, values in request.GET.lists() if name in FORECAST_SCOPE
                               for value in values])
            context.update(report=report, charts=flow_charts(report), forecast_url=f"{forecast}?{scope}",
                           has_data=bool(report["velocity"]["items"] or report["load"]["average"]),
                           drill={metric: f"{records}?{_params(filters, flow_types, metric=metric)}"
                                  for metric in METRICS})
        template = "analytics/_flow_body.html" if request.htmx else "analytics/flow.html"
        return render(request, template, context, status=400 if filters.errors else 200)


class FlowRecordsView(OrgView):
    """The records behind one flow number (?metric=), each with why it counted."""

    def get(self, request):
        filters, query, flow_types = flow_filters(request)
        metric = request.GET.get("metric", "")  # shown back as asked; flow_records refuses an unknown one
        context = {**filter_context(filters), "metric": {"key": metric, "label": LABELS.get(metric, metric)},
                   "metric_links": [(LABELS[m], m == metric, f"?{_params(filters, flow_types, metric=m)}")
                                    for m in METRICS] if query else []}
        if query is not None:
            try:
                records = flow_records(query=query, metric=metric, status=query_param(request.GET, "status") or "",
                                       cause=query_param(request.GET, "cause") or "")
            except InvalidInput as error:
                filters.errors = error.fields
            else:
                page = paginate(request, records.rows, RECORDS_PAGE_SIZE)["page_obj"]
                flow_page = reverse("analytics:flow", kwargs={"org_slug": self.org.slug})
                api = f"/api/v1/orgs/{self.org.slug}/metrics/flow/records/"
                columns = [c for c in records.columns if c != "why"]
                context.update(page_obj=page, columns=columns,
                               rows=[{"cells": [(c, row.get(c)) for c in columns], "why": row["why"],
                                      "url": row.get("url")} for row in records.describe(page.object_list)],
                               flow_url=f"{flow_page}?{_params(filters, flow_types, window='custom')}",
                               csv_url=f"{api}?{_params(filters, flow_types, metric=metric, format='csv')}")
        return render(request, "analytics/flow_records.html", context, status=400 if filters.errors else 200)
