"""URLs of the CI-facing record endpoints (deployments, incidents, pipeline runs, commits, ...)."""

from rest_framework.routers import SimpleRouter

from integrations.api import records_views as views

# Path converters, not regexes: the isolation walker fills in <converter:name> kwargs.
router = SimpleRouter(use_regex_path=False)
router.register("deployments", views.DeploymentViewSet, basename="deployment")
router.register("incidents", views.IncidentViewSet, basename="incident")
router.register("pipeline-runs", views.PipelineRunViewSet, basename="pipeline-run")
router.register("commits", views.CommitViewSet, basename="commit")
router.register("pull-requests", views.PullRequestViewSet, basename="pull-request")
router.register("work-items", views.WorkItemViewSet, basename="work-item")
router.register("change-requests", views.ChangeRequestViewSet, basename="change-request")

urlpatterns = router.urls
