from django.urls import path

from vsm.tenancy.views import OrgHomeView

app_name = "notifications"
urlpatterns = [
    path("", OrgHomeView.as_view(), name="list"),
    path("webhooks/", OrgHomeView.as_view(), name="webhooks"),
]  # replaced by the notifications pages
