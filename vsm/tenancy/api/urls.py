from django.urls import path
from rest_framework.routers import SimpleRouter

from vsm.tenancy.api import views

# Path converters, not regular expressions: the isolation walker fills <int:pk> in.
router = SimpleRouter(use_regex_path=False)
router.register("members", views.MemberViewSet, basename="api-member")
router.register("invitations", views.InvitationViewSet, basename="api-invitation")
router.register("tokens", views.TokenViewSet, basename="api-token")
urlpatterns = [
    path("", views.OrganizationView.as_view(), name="api-organization"),
    *router.urls,
]
