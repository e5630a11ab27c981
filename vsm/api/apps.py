from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "vsm.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self):
        from vsm.api import schema  # noqa: F401  (registers the token auth scheme with drf-spectacular)
