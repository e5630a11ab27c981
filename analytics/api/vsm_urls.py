"""URLs of the value stream map API."""

from django.urls import path

from analytics.api import vsm_views

urlpatterns = [
    path("value-stream-map/", vsm_views.ValueStreamMapView.as_view(), name="value_stream_map"),
    path("value-stream-map/records/", vsm_views.ValueStreamMapRecordsView.as_view(), name="value_stream_map_records"),
]
