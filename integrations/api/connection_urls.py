"""URLs of connections, their sync runs and webhook deliveries."""

from rest_framework.routers import SimpleRouter

from integrations.api import connections_views as views

# Path converters, not regexes: the isolation walker fills in <converter:name> kwargs.
router = SimpleRouter(use_regex_path=False)
router.register("connections", views.ConnectionViewSet, basename="connection")
router.register("sync-runs", views.SyncRunViewSet, basename="sync-run")
router.register("webhook-deliveries", views.WebhookDeliveryViewSet, basename="webhook-delivery")

urlpatterns = router.urls
