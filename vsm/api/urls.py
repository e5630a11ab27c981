"""Every API endpoint of an organization, under /api/v1/orgs/<org_slug>/."""

from django.urls import include, path

from vsm.api.views import WhoAmIView

# Django tries the patterns in order: what CI calls on every deployment (the deployment check,
# the delivery records) comes first.
urlpatterns = [
    path("whoami/", WhoAmIView.as_view(), name="api-whoami"),
    path("", include("releases.api.urls")),
    path("", include("integrations.api.urls")),
    path("", include("vsm.tenancy.api.urls")),
    path("", include("vsm.catalog.api.urls")),
    path("", include("vsm.audit.api.urls")),
    path("", include("gates.api.urls")),
    path("", include("environments.api.urls")),
    path("", include("work.api.urls")),
    path("metrics/", include("analytics.api.urls")),
    path("", include("orgconfig.api.urls")),
]
