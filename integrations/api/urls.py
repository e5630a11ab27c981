"""Every integrations API endpoint, under /api/v1/orgs/<org_slug>/."""

from django.urls import include, path

urlpatterns = [
    path("", include("integrations.api.record_urls")),
    path("", include("integrations.api.connection_urls")),
]
