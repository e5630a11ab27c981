"""URLs of analytics pages: dashboards, flow, value stream map."""

urlpatterns: list = []
