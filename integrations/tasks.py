"""Integrations tasks: take org_id and integer ids, re-fetch, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from integrations.services import derivation_marks
from vsm.tenancy.tasks import tenant_task


@tenant_task
def derivation_run_task(service_id: int) -> bool:
    """Refresh one service's derived delivery data from its pending marker."""
    return derivation_marks.derivation_run(service_id=service_id)


@shared_task(name="integrations.tasks.delivery_derive_sweep")
def delivery_derive_sweep() -> int:
    """The periodic catch-up (beat): markers written while the broker was unreachable."""
    return derivation_marks.derivation_sweep()
