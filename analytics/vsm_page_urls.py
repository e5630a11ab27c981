"""Pages of the value stream map (included by analytics.urls, namespace "analytics")."""

from django.urls import path

from analytics.views import vsm

urlpatterns = [
    path("value-stream-map/", vsm.ValueStreamMapView.as_view(), name="vsm"),
    path("value-stream-map/records/", vsm.ValueStreamMapRecordsView.as_view(), name="vsm_records"),
    path("value-stream-map/stages/", vsm.ValueStreamStagesView.as_view(), name="vsm_stages"),
    path("value-stream-map/stages/<int:pk>/", vsm.ValueStreamStageEditView.as_view(), name="vsm_stage"),
    path("value-stream-map/stages/<int:pk>/delete/", vsm.ValueStreamStageDeleteView.as_view(),
         name="vsm_stage_delete"),
]
