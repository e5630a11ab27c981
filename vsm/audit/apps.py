from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "vsm.audit"
    label = "audit"
    verbose_name = "Audit trail"
