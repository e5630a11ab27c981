from django.urls import path

from vsm.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.AuditListView.as_view(), name="list"),
    path("<int:event_id>/", views.AuditDetailView.as_view(), name="detail"),
]
