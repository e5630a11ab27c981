"""URLs of webhook receivers, /hooks/<connection_id>/ (outside any organization prefix: the connection names the tenant)."""

urlpatterns: list = []
