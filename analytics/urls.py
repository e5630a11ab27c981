"""Every analytics page, under /o/<org>/analytics/, reversed as analytics:<name>: each feature
package lists its own."""

from django.urls import include, path

app_name = "analytics"
urlpatterns = [
    path("", include("analytics.dora.urls")),
    path("", include("analytics.flow.urls")),
    path("", include("analytics.streammap.urls")),
    path("", include("analytics.goals.urls")),
]
