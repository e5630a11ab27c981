from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        # Gate rules and the deployment check over delivery data; gates and releases never import
        # integrations (see gates.rules and releases.services.deployment_checks).
        from integrations import checks, rules

        rules.register()
        checks.register()
