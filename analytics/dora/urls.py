"""Pages of the DORA metrics (included by analytics.urls, namespace "analytics"): dashboards,
drill-downs, a service's page."""

from django.urls import path

from analytics.dora import views

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    # The drill-down names its metric in the query string, like the API's records endpoint.
    path("dora/records/", views.RecordsView.as_view(), name="dora_records"),
    path("dora/breakdown/", views.BreakdownView.as_view(), name="dora_breakdown"),
    path("value-streams/<slug:value_stream_slug>/", views.ValueStreamDashboardView.as_view(), name="value_stream"),
    path("services/<slug:service_slug>/", views.ServiceAnalyticsView.as_view(), name="service"),
]
