from django.urls import path

from releases import feeds, views

app_name = "releases"
urlpatterns = [
    path("", views.ReleaseListView.as_view(), name="list"),
    path("new/", views.ReleaseCreateView.as_view(), name="create"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("freezes/", views.FreezeListView.as_view(), name="freezes"),
    path("freezes/<int:freeze_id>/", views.FreezeEditView.as_view(), name="freeze_edit"),
    path("freezes/<int:freeze_id>/delete/", views.FreezeDeleteView.as_view(), name="freeze_delete"),
    path("slots/", views.SlotsView.as_view(), name="slots"),
    path("slots/bookings/<int:slot_booking_id>/cancel/", views.SlotCancelView.as_view(), name="slot_cancel"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("phases/<int:phase_id>/edit/", views.PhaseEditView.as_view(), name="phase_edit"),
    path("phases/<int:phase_id>/preview/", views.PhasePreviewView.as_view(), name="phase_preview"),
    path("dependencies/<int:dependency_id>/delete/", views.DependencyRemoveView.as_view(), name="dependency_delete"),
    path("activities/<int:activity_id>/complete/", views.ActivityCompleteView.as_view(), name="activity_complete"),
    path("<int:release_id>/", views.ReleaseDetailView.as_view(), name="detail"),
    path("<int:release_id>/advance/", views.AdvanceView.as_view(), name="advance"),
    path("<int:release_id>/phases/", views.PhaseAddView.as_view(), name="phase_add"),
    path("<int:release_id>/dependencies/", views.DependencyAddView.as_view(), name="dependency_add"),
    path("<int:release_id>/activities/", views.ActivityAddView.as_view(), name="activity_add"),
    path("<int:release_id>/evidence/", views.EvidenceView.as_view(), name="evidence"),
    # Calendar clients cannot sign in: the secret in the path is the credential (see feeds.py).
    path("feed/<str:feed_token>.ics", feeds.ReleaseFeedView.as_view(), name="feed"),
]
