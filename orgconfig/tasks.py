"""A push to the organization's configuration repository, acted on after the webhook answered
(queued by orgconfig.push's receiver)."""

from __future__ import annotations

from orgconfig.push import config_push
from vsm.tenancy.tasks import tenant_task


@tenant_task
def config_push_task(delivery_id: int) -> str | None:
    return config_push(delivery_id=delivery_id)
