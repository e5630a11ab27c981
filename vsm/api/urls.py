"""Every API endpoint of an organization, under /api/v1/orgs/<org_slug>/."""

from django.urls import include, path

urlpatterns = [
    path("", include("vsm.tenancy.api.urls")),
    path("", include("vsm.catalog.api.urls")),
    path("", include("vsm.audit.api.urls")),
]
