"""The DORA rollups' rebuild, queued by a report that found them incomplete."""

from analytics.dora.services import dora_rollups_rebuild
from vsm.tenancy.tasks import tenant_task


@tenant_task
def dora_rollups_rebuild_task() -> None:
    dora_rollups_rebuild()
