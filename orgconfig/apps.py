from django.apps import AppConfig


class OrgConfigConfig(AppConfig):
    name = "orgconfig"
    label = "orgconfig"
    verbose_name = "Configuration as code"
