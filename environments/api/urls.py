from django.urls import path
from rest_framework.routers import SimpleRouter

from environments.api import views

# Path converters, not regexes: the isolation walker fills in <converter:name> kwargs.
router = SimpleRouter(use_regex_path=False)
router.register("environments", views.EnvironmentViewSet, basename="environment")
router.register("environment-groups", views.GroupViewSet, basename="environment-group")
router.register("bookings", views.BookingViewSet, basename="booking")
router.register("outages", views.OutageViewSet, basename="outage")
router.register("deployment-approvals", views.DeploymentApprovalViewSet, basename="deployment-approval")
router.register("provisioning-requests", views.ProvisioningRequestViewSet, basename="provisioning-request")

urlpatterns = [
    path("environments/<slug:env_slug>/leases/", views.LeaseListView.as_view(), name="environment-leases"),
    path("environments/<slug:env_slug>/leases/<int:lease_id>/renew/", views.LeaseRenewView.as_view(),
         name="environment-lease-renew"),
    path("environments/<slug:env_slug>/leases/<int:lease_id>/release/", views.LeaseReleaseView.as_view(),
         name="environment-lease-release"),
    *router.urls,
]
