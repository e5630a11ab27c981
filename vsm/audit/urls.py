from django.urls import path

from vsm.tenancy.views import OrgHomeView

app_name = "audit"
urlpatterns = [path("", OrgHomeView.as_view(), name="list")]  # replaced by the audit pages
