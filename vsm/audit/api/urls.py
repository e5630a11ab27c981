from rest_framework.routers import SimpleRouter

from vsm.audit.api import views

# Path converters, not regular expressions: the isolation walker fills <int:pk> in.
router = SimpleRouter(use_regex_path=False)
router.register("audit-events", views.AuditEventViewSet, basename="api-auditevent")
urlpatterns = router.urls
