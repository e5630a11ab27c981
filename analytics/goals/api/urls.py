"""URLs of the metric goals API (metrics/goals/)."""

from rest_framework.routers import SimpleRouter

from analytics.goals.api import views

router = SimpleRouter(use_regex_path=False)
router.register("goals", views.MetricGoalViewSet, basename="goals")

urlpatterns = router.urls
