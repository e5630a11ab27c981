from csp.decorators import csp_replace
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from vsm import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("vsm.accounts.urls")),
    path("invitations/", include("vsm.tenancy.invitation_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script from ?script instead of inline, so the
    # page runs under the site's Content-Security-Policy (vsm/settings/base.py).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
         name="api-docs"),
    # ReDoc writes its styles into <style> elements as it renders and parses the schema in a worker:
    # this page alone may do both (its template has no inline script).
    path("api/redoc/", csp_replace({"style-src": ["'self'", "'unsafe-inline'"], "worker-src": ["'self'", "blob:"]})(
        SpectacularRedocView.as_view(url_name="api-schema", template_name="api/redoc.html")), name="api-redoc"),
    path("api/v1/orgs/<slug:org_slug>/", include("vsm.api.urls")),
    path("o/<slug:org_slug>/", include("vsm.org_urls")),
    path("hooks/", include("integrations.hook_urls")),
    # Always routed so a test can switch single sign-on on; the views answer 404 unless OIDC_ENABLED.
    path("oidc/", include("vsm.accounts.oidc_urls")),
]

handler404 = "vsm.views.not_found"
handler500 = "vsm.views.server_error"
