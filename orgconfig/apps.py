from django.apps import AppConfig


class OrgConfigConfig(AppConfig):
    name = "orgconfig"
    label = "orgconfig"
    verbose_name = "Configuration as code"

    def ready(self) -> None:
        from orgconfig import push  # noqa: F401 (connects the push receiver)
