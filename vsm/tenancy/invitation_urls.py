"""The link in an invitation email: outside any organization, since its reader is not a member yet."""

from django.urls import path

from vsm.tenancy import views

app_name = "invitations"
urlpatterns = [
    path("<str:secret>/", views.InvitationView.as_view(), name="accept"),
]
