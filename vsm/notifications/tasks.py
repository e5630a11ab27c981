"""Delivery runs in Celery workers (in-process when there is no broker); see services for what
each task does and why running it twice sends nothing twice."""

from __future__ import annotations

from celery import shared_task

from vsm.notifications import services
from vsm.tenancy.tasks import tenant_task


@tenant_task
def deliver_notification(notification_id: int) -> None:
    services.notification_deliver(notification_id=notification_id)


@shared_task(name="vsm.notifications.tasks.redeliver_pending_notifications")
def redeliver_pending_notifications() -> int:
    """The periodic catch-up (beat): notifications created while the broker was unreachable."""
    return services.notification_redeliver_pending()
