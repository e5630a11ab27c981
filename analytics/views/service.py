"""The analytics page of one service: its DORA numbers (the same dora_report as everywhere),
its deployments on a timeline, how long its changes took to reach production, its incidents."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from analytics import selectors
from analytics.views import figures
from analytics.views.dora import dora_context, filter_context
from analytics.views.filters import filters_from_request
from vsm.tenancy.pages import OrgView, paginate

INCIDENTS_PAGE_SIZE = 20


class ServiceAnalyticsView(OrgView):
    def get(self, request, service_slug: str):
        service = selectors.service_get(key=service_slug)
        if service is None:
            raise Http404("No such service.")
        filters = filters_from_request(request, fixed={"service": service.slug})
        context = {"service": service, **filter_context(filters, scopes=()), **dora_context(request, filters)}
        if filters.query is None:
            return render(request, "analytics/service.html", context, status=400)
        start, end = filters.query.start, filters.query.end
        timeline = selectors.service_deployment_timeline(service=service, start=start, end=end)
        buckets = selectors.service_lead_time_histogram(service=service, start=start, end=end)
        context.update(
            timeline_chart=figures.timeline_figure(timeline), timeline_count=len(timeline),
            timeline_capped=len(timeline) >= selectors.TIMELINE_LIMIT,
            lead_time_chart=figures.lead_time_figure(buckets), buckets=buckets,
            **paginate(request, selectors.service_incident_list(service=service, start=start, end=end),
                       INCIDENTS_PAGE_SIZE))
        return render(request, "analytics/service.html", context)
