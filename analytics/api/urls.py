"""Every metrics API endpoint, under /api/v1/orgs/<org_slug>/metrics/: each feature package
lists its own."""

from django.urls import include, path

# Reversed as analytics-api:<name> (the dashboards link to the drill-down endpoint).
app_name = "analytics-api"

urlpatterns = [
    path("", include("analytics.dora.api.urls")),
    path("", include("analytics.flow.api.urls")),
    path("", include("analytics.streammap.api.urls")),
    path("", include("analytics.goals.api.urls")),
]
