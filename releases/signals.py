"""Every change to a freeze window, or to the environments it covers, bumps the organization's
rules version in the same transaction, whichever way it is written (services, factories, the
cascade when a value stream or an environment goes), so the freeze rules kept in memory
(releases/selectors/freeze_rules.py) are never read stale."""

from __future__ import annotations

from django.db.models import F
from django.db.models.signals import post_delete, post_save

from releases.models import FreezeWindow, FreezeWindowEnvironment, ReleaseSettings
from vsm.tenancy.context import current_org_id


def rules_version_bump(**_kwargs) -> None:
    # Without a tenant context nothing can read this organization's rules (its deletion cascades here).
    if current_org_id() is None:
        return
    if not ReleaseSettings.objects.update(rules_version=F("rules_version") + 1):
        ReleaseSettings.objects.get_or_create()  # on a race, get_or_create reads the other's row
        ReleaseSettings.objects.update(rules_version=F("rules_version") + 1)


def connect() -> None:
    for model in (FreezeWindow, FreezeWindowEnvironment):
        for signal, name in ((post_save, "save"), (post_delete, "delete")):
            signal.connect(rules_version_bump, sender=model,
                           dispatch_uid=f"releases.rules_version.{name}.{model.__name__}")
