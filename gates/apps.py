from django.apps import AppConfig


class GatesConfig(AppConfig):
    name = "gates"
    verbose_name = "Gates"

    def ready(self):
        # Other apps register their rules the same way, from their own ready() (see gates.rules).
        from gates import builtin_rules

        builtin_rules.register()
