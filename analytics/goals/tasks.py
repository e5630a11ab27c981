"""The goals' periodic work (beat, hourly): the crossing check and the weekly digest, queued per
organization."""

from celery import shared_task

from analytics.goals import services
from vsm.tenancy.tasks import tenant_task


@tenant_task
def goals_check_task() -> None:
    services.goals_check()


@tenant_task
def digest_send_task() -> None:
    services.digest_send()


@shared_task(name="analytics.goals.tasks.goals_check_all")
def goals_check_all() -> int:
    return services.goals_queue_all(digest=False)


@shared_task(name="analytics.goals.tasks.digests_weekly")
def digests_weekly() -> int:
    return services.goals_queue_all(digest=True)
