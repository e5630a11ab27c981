"""URLs of webhook receivers, /hooks/<connection_id>/ (no organization prefix: the connection
names the tenant)."""

from django.urls import path

from integrations import hooks

urlpatterns = [
    path("<int:connection_id>/", hooks.receive, name="webhook-receive"),
]
