"""URLs of delivery pages: what is deployed where, environment compare."""

urlpatterns: list = []
