"""The schedule (beat queues due pulls in every organization) and the sync tasks' wiring."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from integrations.models import Connection, SyncRun
from integrations.sync import tasks
from tests.integrations.factories import ConnectionFactory, SyncRunFactory
from vsm import celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(tasks.connection_sync, "apply_async", lambda kwargs, **options: calls.append(kwargs))
    return calls


def test_beat_queues_due_connections_of_every_organization(org_a, org_b, in_org, sent,
                                                           django_capture_on_commit_callbacks):
    now = timezone.now()
    with in_org(org_a):
        never = ConnectionFactory(organization=org_a, kind="jira", sync_enabled=True)
        overdue = ConnectionFactory(organization=org_a, kind="jira", sync_enabled=True, sync_interval_minutes=15)
        recent = ConnectionFactory(organization=org_a, kind="jira", sync_enabled=True, sync_interval_minutes=60)
        Connection.objects.filter(pk__in=[overdue.pk, recent.pk]).update(last_synced_at=now - timedelta(minutes=16))
        ConnectionFactory(organization=org_a, kind="jira", sync_enabled=False)
        ConnectionFactory(organization=org_a, kind="generic", sync_enabled=False)
        ConnectionFactory(organization=org_a, kind="jira", sync_enabled=True, is_active=False)
        busy = ConnectionFactory(organization=org_a, kind="jira", sync_enabled=True)
        SyncRunFactory(organization=org_a, connection=busy, status=SyncRun.Status.RUNNING)
    with in_org(org_b):
        other = ConnectionFactory(organization=org_b, kind="servicenow", sync_enabled=True)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.connections_sync_due() == 3

    assert sorted((c["org_id"], c["connection_id"]) for c in sent) == sorted(
        [(org_a.pk, never.pk), (org_a.pk, overdue.pk), (org_b.pk, other.pk)])
    with in_org(org_a):
        assert SyncRun.objects.filter(trigger=SyncRun.Trigger.SCHEDULE, status=SyncRun.Status.QUEUED).count() == 2
    with in_org(org_b):
        assert SyncRun.objects.get(connection=other).requested_by is None
    # The runs just queued hold the schedule back: the next minute queues nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.connections_sync_due() == 0


def test_beat_and_celery_know_the_tasks():
    celery_app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "integrations.sync.tasks.connections_sync_due" in scheduled
    for name in ("integrations.sync.tasks.connections_sync_due", "integrations.sync.tasks.connection_sync",
                 "integrations.sync.tasks.connection_writeback"):
        assert name in celery_app.tasks


def test_the_task_runs_a_queued_run_inside_its_organization(org_a, org_b, in_org):
    with in_org(org_a):
        run = SyncRunFactory(organization=org_a, connection=ConnectionFactory(organization=org_a, kind="generic"))
    assert tasks.connection_sync(org_id=org_b.pk, connection_id=run.connection_id, sync_run_id=run.pk) is None
    assert tasks.connection_sync(org_id=org_a.pk, connection_id=run.connection_id, sync_run_id=run.pk) == "failed"
