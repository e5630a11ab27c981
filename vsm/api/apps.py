from importlib import import_module

from django.apps import AppConfig, apps
from django.conf import settings


class ApiConfig(AppConfig):
    name = "vsm.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self):
        from vsm.api import schema  # noqa: F401  (registers the token auth scheme with drf-spectacular)

        # Each app names its own choice sets (<app>/api/enums.py); the schema reads them all.
        overrides = settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]
        for config in apps.get_app_configs():
            module = f"{config.name}.api.enums"
            try:
                overrides.update(import_module(module).ENUM_NAMES)
            except ModuleNotFoundError as missing:
                if missing.name not in (module, f"{config.name}.api"):
                    raise
