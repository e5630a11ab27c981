"""The DORA pages: the organization's dashboard, a value stream's dashboard, the drill-down
behind every number and a service's page (with its timeline, lead times and incidents). Every
number comes from analytics.dora.selectors and analytics.dora.records, the functions the metrics
API answers with."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse

from analytics.dora import figures
from analytics.dora.breakdown import DEFAULT_SORT, by_parse, sort_parse, table
from analytics.dora.incidents import open_incident_list
from analytics.dora.records import DoraRecordPages, counted_parse
from analytics.dora.selectors import (
    TIMELINE_LIMIT,
    dora_breakdowns,
    dora_reports,
    service_deployment_timeline,
    service_get,
    service_incident_list,
    service_lead_time_histogram,
)
from analytics.dora.tiles import METRIC_KEYS, METRICS, tiles
from analytics.goals import progress
from analytics.goals.selectors import goal_list, goals_by_group, goals_for, query_group
from analytics.models import GoalScope
from analytics.page_filters import SCOPES, Filters, filter_context, filters_from_request
from analytics.selectors import value_stream_get
from vsm.errors import InvalidInput, found
from vsm.tenancy.pages import OrgView, paginate

RECORDS_PAGE_SIZE = 50
INCIDENTS_PAGE_SIZE = 20


def dora_context(request, filters: Filters) -> dict:
    """The numbers, their trend and the charts for the window and scope the filters name; each
    tile and each period of the series carries the link to its drill-down."""
    if filters.query is None:
        return {}
    records_url = reverse("analytics:dora_records", kwargs={"org_slug": request.organization.slug})
    report, previous = dora_reports(queries=filters.windows())
    series = report.get("series") or []
    window_tiles = tiles(report, previous)
    for tile in window_tiles:
        tile["drill"] = f"{records_url}?{filters.params(metric=tile['metric'].key)}"
    progress.attach(window_tiles, goals_for(goals_by_group(list(goal_list())), query_group(filters.query)))
    return {
        "report": report, "tiles": window_tiles, "open_incidents": open_incident_list(query=filters.query),
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
        stream = found(value_stream_get(slug=value_stream_slug), "value stream")
        filters = filters_from_request(request, fixed={"value_stream": stream.slug})
        return _render_dashboard(request, "analytics/value_stream.html", filters, value_stream=stream,
                                 scopes=("service", "team"))


# How a drill-down row of each metric reads: (what counting means, its badge class), (what not
# counting means). A failure must look like one, not like a green "counted".
COUNTED_BADGES = {
    "deployment_frequency": (("counted", "ok"), ("not counted", "")),
    "change_lead_time": (("counted", "ok"), ("dropped", "")),
    "change_failure_rate": (("failed", "bad"), ("not failed", "")),
    "failed_deployment_recovery_time": (("recovered", "ok"), ("not timed", "")),
    "deployment_rework_rate": (("rework", "warn"), ("not rework", "")),
}


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
        try:
            counted = counted_parse(request.GET)
        except InvalidInput as error:
            filters.errors = error.fields
            return render(request, "analytics/records.html", context, status=400)
        page = paginate(request, DoraRecordPages(filters.query, metric, counted), RECORDS_PAGE_SIZE)["page_obj"]
        columns = [key for key in (page.object_list[0] if page.object_list else {}) if key not in ("why", "counted")]
        (yes, yes_class), (no, _) = COUNTED_BADGES[metric]
        api = reverse("analytics-api:dora_records", kwargs={"org_slug": self.org.slug})
        dashboard = reverse("analytics:dashboard", kwargs={"org_slug": self.org.slug})
        context.update(
            page_obj=page, columns=columns,
            table=[{"cells": [(c, row.get(c)) for c in columns], "why": row.get("why"), "counted": row.get("counted")}
                   for row in page.object_list],
            badges={"yes": yes, "yes_class": yes_class, "no": no},
            counted_links=[(label, value == counted, f"?{filters.params(metric=metric, **extra)}")
                           for label, value, extra in (("All", None, {}), (f"{yes.capitalize()} only", True,
                                                       {"counted": "true"}),
                                                       (f"{no.capitalize()} only", False, {"counted": "false"}))],
            metric_links=[(m, f"?{filters.params(metric=m.key)}") for m in METRICS],
            dashboard_url=f"{dashboard}?{filters.params(window='custom')}",
            # The API's CSV is one page of records: the one shown here.
            csv_url=f"{api}?" + filters.params(metric=metric, format="csv", page=str(page.number),
                                               page_size=str(RECORDS_PAGE_SIZE)))
        return render(request, "analytics/records.html", context)


BY_LABELS = {"service": "Service", "team": "Team", "value_stream": "Value stream"}
# The groupings that can have goals of their own.
BREAKDOWN_GOAL_GROUPS = ("team", "value_stream")


def _group_url(org_slug: str, by: str, key: str, filters: Filters) -> str:
    """A group's own page, same window: a service's page, a value stream's dashboard, the
    organization's dashboard narrowed to a team."""
    if by == "team":
        return f"{reverse('analytics:dashboard', kwargs={'org_slug': org_slug})}?" \
               f"{filters.params(window='custom', team=key)}"
    name, kwarg = ("analytics:service", "service_slug") if by == "service" else ("analytics:value_stream",
                                                                                 "value_stream_slug")
    return f"{reverse(name, kwargs={'org_slug': org_slug, kwarg: key})}?{filters.params(window='custom')}"


class BreakdownView(OrgView):
    """The five metrics per service, team or value stream (?by=), ranked worst first by the
    chosen metric (?sort=, ?dir=), each with its trend and links to the group's page and to the
    records behind each number."""

    def get(self, request):
        filters = filters_from_request(request, series=False)
        try:
            by = by_parse(request.GET, default="service")
            sort, direction = sort_parse(request.GET)
        except InvalidInput as error:
            filters.errors = {**filters.errors, **error.fields}
            by, (sort, direction) = "service", (DEFAULT_SORT, "worst")
        context = {**filter_context(filters), "by": by, "by_label": BY_LABELS[by], "direction": direction,
                   "keep": [("by", by), ("sort", sort), ("dir", direction)]}
        if filters.errors:
            return render(request, "analytics/breakdown.html", context, status=400)
        slug = self.org.slug
        rows = table(*dora_breakdowns(queries=filters.windows(), by=by), sort=sort, direction=direction)
        records = reverse("analytics:dora_records", kwargs={"org_slug": slug})
        by_group = goals_by_group(list(goal_list()))
        for row in rows:
            row["url"] = _group_url(slug, by, row["key"], filters)
            # Each group against its own goal, else the organization's (services have none).
            group = (by, row["key"]) if by in BREAKDOWN_GOAL_GROUPS else (GoalScope.ORGANIZATION, None)
            progress.attach(row["cells"], goals_for(by_group, group))
            for cell in row["cells"]:
                key = cell["metric"].key
                # The change failure rate opens on the failures themselves.
                failures = {"counted": "true"} if key == "change_failure_rate" else {}
                cell["drill"] = f"{records}?{filters.params(metric=key, **{by: row['key']}, **failures)}"
        base = filters.params(window="custom", by=by)
        # A column sorts worst first; the sorted column's link turns it around.
        headers = [{"metric": m, "sorted": m.key == sort,
                    "link": f"?{base}&sort={m.key}&dir={'best' if m.key == sort and direction == 'worst' else 'worst'}"}
                   for m in METRICS]
        context.update(rows=rows, headers=headers,
                       by_links=[(label, value == by, f"?{filters.params(window='custom', by=value)}")
                                 for value, label in BY_LABELS.items()])
        return render(request, "analytics/breakdown.html", context)


class ServiceAnalyticsView(OrgView):
    def get(self, request, service_slug: str):
        service = found(service_get(key=service_slug), "service")
        filters = filters_from_request(request, fixed={"service": service.slug})
        context = {"service": service, **filter_context(filters, scopes=()), **dora_context(request, filters)}
        if filters.query is None:
            return render(request, "analytics/service.html", context, status=400)
        start, end = filters.query.start, filters.query.end
        timeline = service_deployment_timeline(service=service, start=start, end=end)
        buckets = service_lead_time_histogram(service=service, start=start, end=end)
        context.update(
            timeline_chart=figures.timeline_figure(timeline), timeline_count=len(timeline),
            timeline_capped=len(timeline) >= TIMELINE_LIMIT,
            lead_time_chart=figures.lead_time_figure(buckets), buckets=buckets,
            **paginate(request, service_incident_list(service=service, start=start, end=end),
                       INCIDENTS_PAGE_SIZE))
        return render(request, "analytics/service.html", context)
