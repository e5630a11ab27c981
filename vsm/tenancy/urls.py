from django.urls import path

from vsm.tenancy import views

app_name = "tenancy"
urlpatterns = [
    path("", views.OrgHomeView.as_view(), name="org_home"),
    path("settings/", views.OrganizationSettingsView.as_view(), name="settings"),
    path("settings/members/", views.MembersView.as_view(), name="members"),
    path("settings/members/<int:membership_id>/", views.MemberDetailView.as_view(), name="member_detail"),
    path("settings/members/invitations/<int:invitation_id>/revoke/", views.InvitationRevokeView.as_view(),
         name="invitation_revoke"),
    path("settings/tokens/", views.TokensView.as_view(), name="tokens"),
    path("settings/tokens/<int:token_id>/revoke/", views.TokenRevokeView.as_view(), name="token_revoke"),
]
