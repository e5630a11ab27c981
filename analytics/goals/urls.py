"""The goals page (included by analytics.urls, namespace "analytics")."""

from django.urls import path

from analytics.goals import views

urlpatterns = [
    path("goals/", views.GoalsView.as_view(), name="goals"),
    path("goals/<int:pk>/delete/", views.GoalDeleteView.as_view(), name="goal_delete"),
]
