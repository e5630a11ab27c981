"""URLs of the value stream map API."""

from django.urls import path

from analytics.streammap.api import views

urlpatterns = [
    path("value-stream-map/", views.ValueStreamMapView.as_view(), name="value_stream_map"),
    path("value-stream-map/records/", views.ValueStreamMapRecordsView.as_view(), name="value_stream_map_records"),
]
