"""URLs of the flow metrics API and its drill-downs."""

from django.urls import path

from analytics.flow.api import views

urlpatterns = [
    path("flow/", views.FlowReportView.as_view(), name="flow"),
    path("flow/records/", views.FlowRecordsView.as_view(), name="flow_records"),
    path("flow/forecast/", views.ForecastView.as_view(), name="flow_forecast"),
]
