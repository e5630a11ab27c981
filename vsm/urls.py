from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from vsm import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("vsm.accounts.urls")),
    path("invitations/", include("vsm.tenancy.invitation_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/v1/orgs/<slug:org_slug>/", include("vsm.api.urls")),
    path("o/<slug:org_slug>/", include("vsm.org_urls")),
    path("hooks/", include("integrations.hook_urls")),
    # Always routed so a test can switch single sign-on on; the views answer 404 unless OIDC_ENABLED.
    path("oidc/", include("vsm.accounts.oidc_urls")),
]

handler404 = "vsm.views.not_found"
handler500 = "vsm.views.server_error"
