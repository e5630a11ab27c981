"""Pages of the value stream map (included by analytics.urls, namespace "analytics")."""

from django.urls import path

from analytics.streammap import views

urlpatterns = [
    path("value-stream-map/", views.ValueStreamMapView.as_view(), name="vsm"),
    path("value-stream-map/records/", views.ValueStreamMapRecordsView.as_view(), name="vsm_records"),
    path("value-stream-map/stages/", views.ValueStreamStagesView.as_view(), name="vsm_stages"),
    path("value-stream-map/stages/<int:pk>/", views.ValueStreamStageEditView.as_view(), name="vsm_stage"),
    path("value-stream-map/stages/<int:pk>/delete/", views.ValueStreamStageDeleteView.as_view(),
         name="vsm_stage_delete"),
]
