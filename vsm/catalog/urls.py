"""Catalog pages under /o/<org_slug>/catalog/. Create pages live under new/ so that no slug
(a service called "new") can shadow them."""

from django.urls import path

from vsm.catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.ServiceListView.as_view(), name="service_list"),
    path("new/service/", views.ServiceFormView.as_view(), name="service_create"),
    path("services/<slug:service_slug>/", views.ServiceDetailView.as_view(), name="service_detail"),
    path("services/<slug:service_slug>/edit/", views.ServiceFormView.as_view(), name="service_edit"),
    path("services/<slug:service_slug>/delete/", views.ServiceDeleteView.as_view(), name="service_delete"),
    path("value-streams/", views.ValueStreamListView.as_view(), name="value_stream_list"),
    path("new/value-stream/", views.ValueStreamFormView.as_view(), name="value_stream_create"),
    path("value-streams/<slug:value_stream_slug>/edit/", views.ValueStreamFormView.as_view(),
         name="value_stream_edit"),
    path("value-streams/<slug:value_stream_slug>/delete/", views.ValueStreamDeleteView.as_view(),
         name="value_stream_delete"),
    path("teams/", views.TeamListView.as_view(), name="team_list"),
    path("new/team/", views.TeamFormView.as_view(), name="team_create"),
    path("teams/<slug:team_slug>/", views.TeamDetailView.as_view(), name="team_detail"),
    path("teams/<slug:team_slug>/edit/", views.TeamFormView.as_view(), name="team_edit"),
    path("teams/<slug:team_slug>/members/", views.TeamMembersView.as_view(), name="team_members"),
    path("teams/<slug:team_slug>/delete/", views.TeamDeleteView.as_view(), name="team_delete"),
]
