from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "vsm.catalog"
    label = "catalog"
    verbose_name = "Catalog"
