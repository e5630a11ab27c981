from django.urls import path
from rest_framework.routers import SimpleRouter

from releases.api import views

# Path converters, not regexes: the isolation walker fills in <converter:name> kwargs.
router = SimpleRouter(use_regex_path=False)
# CI's deployment check first: patterns are tried in order (vsm/api/urls.py).
router.register("deployment-checks", views.DeploymentCheckViewSet, basename="deployment-check")
router.register("freeze-windows", views.FreezeWindowViewSet, basename="freeze-window")
router.register("release-templates", views.TemplateViewSet, basename="release-template")
router.register("releases", views.ReleaseViewSet, basename="release")
router.register("phases", views.PhaseViewSet, basename="phase")
router.register("release-dependencies", views.DependencyViewSet, basename="release-dependency")
router.register("deployment-activities", views.ActivityViewSet, basename="deployment-activity")
router.register("release-slots", views.SlotWindowViewSet, basename="release-slot")
router.register("slot-bookings", views.SlotBookingViewSet, basename="slot-booking")

urlpatterns = [
    *router.urls,
    path("release-settings/", views.ReleaseSettingsView.as_view(), name="release-settings"),
]
