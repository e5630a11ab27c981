"""URLs of DORA metrics and their drill-downs."""

from django.urls import path

from analytics.api import dora_views

urlpatterns = [
    path("dora/", dora_views.DoraReportView.as_view(), name="dora"),
    path("dora/records/", dora_views.DoraRecordsView.as_view(), name="dora_records"),
]
