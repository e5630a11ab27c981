from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        # Connects the rollup refresh to integrations.derivation.delivery_derived.
        from analytics import rollups  # noqa: F401
