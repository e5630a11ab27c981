"""Every metrics API endpoint, under /api/v1/orgs/<org_slug>/metrics/."""

from django.urls import include, path

# Reversed as analytics-api:<name> (the dashboards link to the drill-down endpoint).
app_name = "analytics-api"

urlpatterns = [
    path("", include("analytics.api.dora_urls")),
    path("", include("analytics.api.flow_urls")),
    path("", include("analytics.api.vsm_urls")),
]
