from django.urls import path

from orgconfig import views

app_name = "orgconfig"

urlpatterns = [
    path("", views.ChangeSetListView.as_view(), name="change_sets"),
]
