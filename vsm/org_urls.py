"""Every page of an organization, under /o/<org_slug>/. Each view derives from OrgPageMixin."""

from django.urls import include, path

urlpatterns = [
    path("", include("vsm.tenancy.urls")),
    path("catalog/", include("vsm.catalog.urls")),
    path("audit/", include("vsm.audit.urls")),
    path("notifications/", include("vsm.notifications.urls")),
    path("gates/", include("gates.urls")),
    path("environments/", include("environments.urls")),
    path("releases/", include("releases.urls")),
    path("integrations/", include("integrations.urls")),
    path("delivery/", include("integrations.delivery_urls")),
    path("analytics/", include("analytics.urls")),
    path("settings/config/", include("orgconfig.urls")),
    path("my-work/", include("work.urls")),
]
