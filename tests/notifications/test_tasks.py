"""The delivery task through a real broker: queued after commit, run by a real Celery worker;
and notify() when the broker cannot be reached."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.db import connection, transaction
from django.utils import timezone

from tests.celery_support import broker, broker_redis_url, recording_task_runs, wait_for
from tests.factories import ChatWebhookFactory, NotificationFactory
from vsm import celery_app
from vsm.notifications import services
from vsm.notifications.models import ChatDelivery, Notification, NotificationKind
from vsm.notifications.tasks import deliver_notification, redeliver_pending_notifications
from vsm.tenancy.roles import Role


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_what_was_queued_after_commit(org_a, org_b, in_org, owner_a, member_factory,
                                                            chat_server, mailoutbox):
    url = broker_redis_url()
    redis.Redis.from_url(url).flushdb()
    approver = member_factory(Role.APPROVER)
    webhook = ChatWebhookFactory(organization=org_a, url=chat_server.url())
    ChatWebhookFactory(organization=org_b, url=chat_server.url("/org-b"))
    with recording_task_runs() as runs, broker(url), \
            start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20), in_org(org_a):
        with transaction.atomic():
            created = services.notify(recipients=[owner_a, approver], kind=NotificationKind.APPROVAL_NEEDED,
                                      title="Approve staging-2")
            time.sleep(0.5)  # a task sent before commit would have been picked up by now
            assert mailoutbox == [] and chat_server.received == [] and runs == []
        ids = [n.pk for n in created]
        wait_for(lambda: Notification.objects.filter(pk__in=ids, emailed_at__isnull=False).count() == 2
                  and ChatDelivery.objects.filter(webhook=webhook, delivered_at__isnull=False).exists())
    assert runs == [(deliver_notification.name, False, False)] * 2  # by the worker, not in-process
    assert sorted(m.to[0] for m in mailoutbox) == sorted([owner_a.email, approver.email])
    assert len(chat_server.bodies()) == 1 and chat_server.bodies("/org-b") == []


def test_an_unreachable_broker_keeps_the_notifications_and_logs_the_failure(
        org_a, org_b, in_org, owner_a, mailoutbox, caplog, django_capture_on_commit_callbacks):
    with broker("redis://127.0.0.1:1/0"), in_org(org_a), django_capture_on_commit_callbacks(execute=True):
        started = time.monotonic()
        [notification] = services.notify(recipients=[owner_a], kind=NotificationKind.GATE_FAILED,
                                         title="Gate 'QA exit' failed")
    assert time.monotonic() - started < 15
    assert [r.getMessage() for r in caplog.records if r.name == "vsm.tenancy.tasks"] == ["could not queue task"]
    assert mailoutbox == []
    with in_org(org_a):
        assert Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).exists()
        Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    with in_org(org_b):
        assert not Notification.objects.exists()
    # The periodic catch-up delivers it once tasks can be queued again.
    with django_capture_on_commit_callbacks(execute=True):
        redeliver_pending_notifications()
    assert [m.subject for m in mailoutbox] == ["[Acme Payments] Gate 'QA exit' failed"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_event_post_it_once(org_a, owner_a, member_factory, chat_server, mailoutbox):
    """Two workers deliver two recipients' copies at the same moment: the first holds the
    delivery row while posting, the second skips it."""
    chat_server.delay = 0.5
    ChatWebhookFactory(organization=org_a, url=chat_server.url())
    created = [NotificationFactory(organization=org_a, recipient=user, event_key="one-event")
               for user in (owner_a, member_factory(Role.APPROVER))]

    def run(notification_id):
        try:
            deliver_notification(org_a.pk, notification_id=notification_id)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(n.pk,)) for n in created]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=20)
    assert len(mailoutbox) == 2
    assert len(chat_server.received) == 1

