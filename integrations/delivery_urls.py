"""URLs of delivery pages: what is deployed where, environment compare, change control."""

from django.urls import path

from integrations import delivery_views as views

app_name = "delivery"
urlpatterns = [
    path("matrix/", views.MatrixView.as_view(), name="matrix"),
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("change-control/", views.ChangeControlView.as_view(), name="change_control"),
]
