from django.urls import path

from gates import views

app_name = "gates"
urlpatterns = [
    path("<int:gate_id>/", views.GateDetailView.as_view(), name="detail"),
    path("<int:gate_id>/edit/", views.GateEditView.as_view(), name="edit"),
    path("<int:gate_id>/evaluate/", views.GateEvaluateView.as_view(), name="evaluate"),
    path("<int:gate_id>/request-sign-off/", views.SignOffRequestView.as_view(), name="request_sign_off"),
    path("criteria/<int:criterion_id>/sign-off/", views.SignOffView.as_view(), name="sign_off"),
    path("criteria/<int:criterion_id>/waive/", views.WaiveView.as_view(), name="waive"),
    path("waivers/<int:waiver_id>/revoke/", views.WaiverRevokeView.as_view(), name="waiver_revoke"),
]
