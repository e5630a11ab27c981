from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "releases"
    verbose_name = "Releases"

    def ready(self):
        # Gate rules over releases' data (see gates.rules); gates never imports releases.
        from releases import rules, signals

        rules.register()
        signals.connect()
