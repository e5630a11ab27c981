"""Two listeners. Bookings of an environment changed (environments.signals): the phase gates
reading them are evaluated again after commit (releases.tasks).

Every change to a freeze window, or to the environments it covers, bumps the organization's
rules version in the same transaction, whichever way it is written (services, factories, the
cascade when a value stream or an environment goes), so the freeze rules kept in memory
(releases/selectors/freeze_rules.py) are never read stale."""

from __future__ import annotations

from django.db.models import F
from django.db.models.signals import post_delete, post_save

from environments.signals import bookings_changed
from releases.models import FreezeWindow, FreezeWindowEnvironment, ReleaseSettings
from vsm.tenancy.context import current_org_id
from vsm.tenancy.tasks import enqueue


def bookings_reevaluate_gates(*, environment_ids, **_kwargs) -> None:
    from releases import tasks  # here, not at the top: the tasks module imports the services

    org_id = current_org_id()
    for environment_id in environment_ids:
        enqueue(tasks.reevaluate_gates_for_bookings, org_id=org_id, environment_id=environment_id)


def rules_version_bump(**_kwargs) -> None:
    # Without a tenant context nothing can read this organization's rules (its deletion cascades here).
    if current_org_id() is None:
        return
    if not ReleaseSettings.objects.update(rules_version=F("rules_version") + 1):
        ReleaseSettings.objects.get_or_create()  # on a race, get_or_create reads the other's row
        ReleaseSettings.objects.update(rules_version=F("rules_version") + 1)


def connect() -> None:
    bookings_changed.connect(bookings_reevaluate_gates, dispatch_uid="releases.bookings_reevaluate_gates")
    for model in (FreezeWindow, FreezeWindowEnvironment):
        for signal, name in ((post_save, "save"), (post_delete, "delete")):
            signal.connect(rules_version_bump, sender=model,
                           dispatch_uid=f"releases.rules_version.{name}.{model.__name__}")
