"""URLs of analytics pages: dashboards, drill-downs, a service's page; flow and the value stream
map come from analytics.flow_page_urls."""

from django.urls import include, path

from analytics.views.dora import DashboardView, RecordsView, ValueStreamDashboardView
from analytics.views.service import ServiceAnalyticsView

app_name = "analytics"
urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    # The drill-down names its metric in the query string, like the API's records endpoint.
    path("dora/records/", RecordsView.as_view(), name="dora_records"),
    path("value-streams/<slug:value_stream_slug>/", ValueStreamDashboardView.as_view(), name="value_stream"),
    path("services/<slug:service_slug>/", ServiceAnalyticsView.as_view(), name="service"),
    path("", include("analytics.flow_page_urls")),
    path("", include("analytics.vsm_page_urls")),
]
