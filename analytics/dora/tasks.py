"""The DORA rollups' rebuild, queued by a report that found them incomplete, and the warm-up of
the pages' reports after the rollups changed (analytics.dora.warm)."""

from django.db import transaction

from analytics.dora.services import dora_rollups_rebuild
from analytics.dora.warm import WARM_AFTER, dora_reports_warm, warm_mark
from vsm.tenancy.tasks import enqueue, tenant_task


@tenant_task
def dora_rollups_rebuild_task() -> None:
    dora_rollups_rebuild()


@tenant_task
def dora_reports_warm_task() -> None:
    dora_reports_warm()


def dora_reports_warm_queue(org_id: int) -> None:
    """Once the transaction commits, queue the warm-up to run in WARM_AFTER seconds unless one
    is waiting already. In its own task: never in the derivation's transaction. Nothing without
    a worker (tasks run eagerly: the demo without a broker, the tests): the warm-up would run in
    the derivation's caller, moving the wait it exists to take off readers onto the writer."""
    if dora_reports_warm_task.app.conf.task_always_eager:
        return
    transaction.on_commit(lambda: warm_mark(org_id) and enqueue(dora_reports_warm_task, org_id=org_id,
                                                                 countdown=WARM_AFTER))
