from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    name = "releases"
    verbose_name = "Releases"

    def ready(self):
        # Gate rules over releases' data (see gates.rules); gates never imports releases.
        from environments import release_choices
        from releases import rules, selectors, signals

        rules.register()
        signals.connect()
        # The booking page offers the open releases; environments never imports releases.
        release_choices.register(selectors.booking_release_choices)
