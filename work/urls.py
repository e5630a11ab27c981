from django.urls import path

from work import views

app_name = "work"
urlpatterns = [
    path("", views.MyWorkView.as_view(), name="mine"),
]
