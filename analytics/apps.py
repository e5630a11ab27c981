from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        # Connects the rollup refresh and the map's stored delivery events to
        # integrations.derivation.delivery_derived and registers the features' tasks
        # (autodiscover_tasks() reads analytics.tasks only).
        from analytics.dora import services, tasks  # noqa: F401
        from analytics.streammap import store  # noqa: F401
