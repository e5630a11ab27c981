from django.urls import path

from releases import edit_views, feeds, views

app_name = "releases"
urlpatterns = [
    path("", views.ReleaseListView.as_view(), name="list"),
    path("new/", views.ReleaseCreateView.as_view(), name="create"),
    path("new/preview/", views.ReleasePlanPreviewView.as_view(), name="create_preview"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("freezes/", views.FreezeListView.as_view(), name="freezes"),
    path("freezes/<int:freeze_id>/", views.FreezeEditView.as_view(), name="freeze_edit"),
    path("freezes/<int:freeze_id>/delete/", views.FreezeDeleteView.as_view(), name="freeze_delete"),
    path("slots/", views.SlotsView.as_view(), name="slots"),
    path("slots/bookings/<int:slot_booking_id>/cancel/", views.SlotCancelView.as_view(), name="slot_cancel"),
    path("slots/windows/new/", edit_views.SlotWindowCreateView.as_view(), name="slot_window_create"),
    path("slots/windows/<int:slot_window_id>/", edit_views.SlotWindowEditView.as_view(), name="slot_window_edit"),
    path("slots/windows/<int:slot_window_id>/delete/", edit_views.SlotWindowDeleteView.as_view(),
         name="slot_window_delete"),
    path("templates/", edit_views.TemplateListView.as_view(), name="templates"),
    path("templates/new/", edit_views.TemplateCreateView.as_view(), name="template_create"),
    path("templates/<int:template_id>/", edit_views.TemplateEditView.as_view(), name="template_edit"),
    path("templates/<int:template_id>/delete/", edit_views.TemplateDeleteView.as_view(), name="template_delete"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("phases/<int:phase_id>/edit/", views.PhaseEditView.as_view(), name="phase_edit"),
    path("phases/<int:phase_id>/preview/", views.PhasePreviewView.as_view(), name="phase_preview"),
    path("dependencies/<int:dependency_id>/delete/", views.DependencyRemoveView.as_view(), name="dependency_delete"),
    path("activities/<int:activity_id>/complete/", views.ActivityCompleteView.as_view(), name="activity_complete"),
    path("<int:release_id>/", views.ReleaseDetailView.as_view(), name="detail"),
    path("<int:release_id>/edit/", edit_views.ReleaseEditView.as_view(), name="edit"),
    path("<int:release_id>/advance/", views.AdvanceView.as_view(), name="advance"),
    path("<int:release_id>/phases/", views.PhaseAddView.as_view(), name="phase_add"),
    path("<int:release_id>/dependencies/", views.DependencyAddView.as_view(), name="dependency_add"),
    path("<int:release_id>/activities/", views.ActivityAddView.as_view(), name="activity_add"),
    path("<int:release_id>/evidence/", views.EvidenceView.as_view(), name="evidence"),
    # Calendar clients cannot sign in: the secret in the path is the credential (see feeds.py).
    path("feed/<str:feed_token>.ics", feeds.ReleaseFeedView.as_view(), name="feed"),
]
