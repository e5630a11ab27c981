from rest_framework.routers import SimpleRouter

from vsm.catalog.api import views

# Path converters, not regular expressions: the isolation walker fills <slug:slug> in.
router = SimpleRouter(use_regex_path=False)
router.register("services", views.ServiceViewSet, basename="api-service")
router.register("value-streams", views.ValueStreamViewSet, basename="api-valuestream")
router.register("teams", views.TeamViewSet, basename="api-team")
urlpatterns = router.urls
