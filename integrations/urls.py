"""URLs of integrations pages: connections, sync runs, webhook deliveries, mappings."""

urlpatterns: list = []
