"""URLs of DORA metrics and their drill-downs."""

urlpatterns: list = []
