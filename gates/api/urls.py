from django.urls import path
from rest_framework.routers import SimpleRouter

from gates.api import views

# Path converters, not regexes: the isolation walker fills in <converter:name> kwargs.
router = SimpleRouter(use_regex_path=False)
router.register("gates", views.GateViewSet, basename="gate")
router.register("criteria", views.CriterionViewSet, basename="criterion")
router.register("waivers", views.WaiverViewSet, basename="waiver")
router.register("ci-results", views.CIResultViewSet, basename="ci-result")

urlpatterns = [
    path("criteria/<int:criterion_id>/sign-offs/", views.SignOffCreateView.as_view(), name="criterion-sign-offs"),
    path("criteria/<int:criterion_id>/waivers/", views.WaiverCreateView.as_view(), name="criterion-waivers"),
    path("rules/", views.RuleListView.as_view(), name="gate-rules"),
    path("gate-policy/", views.GatePolicyView.as_view(), name="gate-policy"),
    *router.urls,
]
