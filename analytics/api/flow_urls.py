"""URLs of flow metrics and the value stream map."""

urlpatterns: list = []
