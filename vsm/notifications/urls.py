from django.urls import path

from vsm.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("read/", views.NotificationMarkAllReadView.as_view(), name="mark_all_read"),
    path("<int:notification_id>/read/", views.NotificationMarkReadView.as_view(), name="mark_read"),
    path("webhooks/", views.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/<int:webhook_id>/", views.WebhookUpdateView.as_view(), name="webhook_update"),
    path("webhooks/<int:webhook_id>/test/", views.WebhookTestView.as_view(), name="webhook_test"),
    path("webhooks/<int:webhook_id>/delete/", views.WebhookDeleteView.as_view(), name="webhook_delete"),
]
