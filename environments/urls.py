from django.urls import path

from environments import feeds, views

app_name = "environments"
urlpatterns = [
    path("", views.EnvironmentListView.as_view(), name="list"),
    path("new/", views.EnvironmentCreateView.as_view(), name="environment_new"),
    path("groups/", views.GroupListView.as_view(), name="groups"),
    path("groups/new/", views.GroupCreateView.as_view(), name="group_new"),
    path("groups/<slug:group_slug>/edit/", views.GroupEditView.as_view(), name="group_edit"),
    path("groups/<slug:group_slug>/delete/", views.GroupDeleteView.as_view(), name="group_delete"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("book/", views.BookView.as_view(), name="book"),
    path("book/check/", views.BookCheckView.as_view(), name="book_check"),
    path("bookings/mine/", views.MyBookingsView.as_view(), name="my_bookings"),
    path("bookings/<int:booking_id>/", views.BookingActionView.as_view(), name="booking_action"),
    path("approvals/", views.ApprovalQueueView.as_view(), name="approvals"),
    path("approvals/bookings/<int:booking_id>/", views.BookingDecisionView.as_view(), name="booking_decide"),
    path("approvals/deployments/<int:approval_id>/", views.DeploymentDecisionView.as_view(),
         name="deployment_decide"),
    path("provisioning/", views.ProvisioningView.as_view(), name="provisioning"),
    path("provisioning/<int:provisioning_id>/", views.ProvisioningAdvanceView.as_view(), name="provisioning_advance"),
    # Calendar clients cannot sign in: the secret in the path is the credential (see feeds.py).
    path("feeds/environment/<slug:env_slug>/<str:feed_token>.ics", feeds.EnvironmentFeedView.as_view(),
         name="environment_feed"),
    path("feeds/team/<slug:team_slug>/<str:feed_token>.ics", feeds.TeamFeedView.as_view(), name="team_feed"),
    path("<slug:env_slug>/", views.EnvironmentDetailView.as_view(), name="detail"),
    path("<slug:env_slug>/edit/", views.EnvironmentEditView.as_view(), name="environment_edit"),
    path("<slug:env_slug>/status/", views.EnvironmentStatusView.as_view(), name="environment_status"),
    path("<slug:env_slug>/outages/", views.OutagesView.as_view(), name="outages"),
    path("<slug:env_slug>/outages/<int:outage_id>/delete/", views.OutageDeleteView.as_view(), name="outage_delete"),
]
