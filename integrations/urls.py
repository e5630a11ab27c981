"""URLs of integrations pages: connections, sync runs, webhook deliveries, mappings, settings."""

from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("", views.ConnectionListView.as_view(), name="connections"),
    path("new/", views.ConnectionCreateView.as_view(), name="connection_new"),
    path("<int:connection_id>/", views.ConnectionEditView.as_view(), name="connection_edit"),
    path("<int:connection_id>/test/", views.ConnectionTestView.as_view(), name="connection_test"),
    path("<int:connection_id>/sync/", views.ConnectionSyncView.as_view(), name="connection_sync"),
    path("<int:connection_id>/archive/", views.ConnectionArchiveView.as_view(), name="connection_archive"),
    path("<int:connection_id>/mapping/", views.MappingView.as_view(), name="connection_mapping"),
    path("runs/", views.SyncRunListView.as_view(), name="sync_runs"),
    path("runs/<int:sync_run_id>/", views.SyncRunView.as_view(), name="sync_run"),
    path("deliveries/", views.DeliveryListView.as_view(), name="deliveries"),
    path("deliveries/<int:delivery_id>/", views.DeliveryDetailView.as_view(), name="delivery"),
    path("deliveries/<int:delivery_id>/replay/", views.DeliveryReplayView.as_view(), name="delivery_replay"),
    path("settings/", views.DeliverySettingsView.as_view(), name="delivery_settings"),
]
