from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _apply_rls(sender, using="default", **kwargs):
    from vsm.tenancy.rls import ensure_row_level_security

    ensure_row_level_security(using)


class TenancyConfig(AppConfig):
    name = "vsm.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self):
        post_migrate.connect(_apply_rls, sender=self, dispatch_uid="sluice-rls")
