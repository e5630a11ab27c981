from django.urls import path

from vsm.tenancy.views import OrgHomeView

app_name = "catalog"
urlpatterns = [path("", OrgHomeView.as_view(), name="service_list")]  # replaced by the catalog pages
