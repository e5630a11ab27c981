"""URLs of connections, their sync runs and webhook deliveries."""

urlpatterns: list = []
