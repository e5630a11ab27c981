"""Every metrics API endpoint, under /api/v1/orgs/<org_slug>/metrics/."""

from django.urls import include, path

urlpatterns = [
    path("", include("analytics.api.dora_urls")),
    path("", include("analytics.api.flow_urls")),
]
