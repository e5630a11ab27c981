"""URLs of the CI-facing record endpoints (deployments, incidents, pipeline runs, commits, ...)."""

urlpatterns: list = []
