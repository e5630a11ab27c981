from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        # Connects the rollup refresh and the map's stored delivery events to
        # integrations.derivation.delivery_derived and registers the features' tasks
        # (autodiscover_tasks() reads analytics.tasks only).
        from analytics.dora import services, tasks  # noqa: F401
        from analytics.flow import store as flow_rows
        from analytics.streammap import items as map_rows
        from analytics.streammap import store  # noqa: F401
        from integrations.item_rows import item_rows_refresher

        # What ingest refreshes at the end of a batch of work items, in the triggers' order: the map
        # row reads the flow row.
        item_rows_refresher(flow_rows.REFRESH)
        item_rows_refresher(map_rows.REFRESH)
