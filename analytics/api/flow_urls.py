"""URLs of flow metrics and the value stream map."""

from django.urls import path

from analytics.api import flow_views

urlpatterns = [
    path("flow/", flow_views.FlowReportView.as_view(), name="flow"),
    path("flow/records/", flow_views.FlowRecordsView.as_view(), name="flow_records"),
]
