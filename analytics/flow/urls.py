"""Pages of flow metrics (included by analytics.urls, namespace "analytics")."""

from django.urls import path

from analytics.flow.views import FlowRecordsView, FlowView, ForecastView

urlpatterns = [
    path("flow/", FlowView.as_view(), name="flow"),
    path("flow/records/", FlowRecordsView.as_view(), name="flow_records"),
    path("flow/forecast/", ForecastView.as_view(), name="flow_forecast"),
]
