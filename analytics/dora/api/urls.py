"""URLs of DORA metrics and their drill-downs."""

from django.urls import path

from analytics.dora.api import views

urlpatterns = [
    path("dora/", views.DoraReportView.as_view(), name="dora"),
    path("dora/records/", views.DoraRecordsView.as_view(), name="dora_records"),
    path("dora/breakdown/", views.DoraBreakdownView.as_view(), name="dora_breakdown"),
]
