"""enqueue() hands tasks to the broker from a sender thread after commit (vsm/tenancy/tasks.py)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest

from integrations import tasks
from vsm import celery_app
from vsm.tenancy import tasks as tenant_tasks
from vsm.tenancy.tasks import enqueue, enqueued_wait

pytestmark = pytest.mark.django_db


@contextmanager
def eager(value: bool):
    saved = celery_app.conf.task_always_eager
    celery_app.conf.update(task_always_eager=value)
    try:
        yield
    finally:
        celery_app.conf.update(task_always_eager=saved)


@pytest.fixture
def sent(monkeypatch):
    """(kwargs, thread name) of every message sent, with tasks going to a broker (not eager)."""
    calls = []
    monkeypatch.setattr(tasks.derivation_run_task, "apply_async",
                        lambda kwargs, **options: calls.append((kwargs, threading.current_thread().name)))
    with eager(False):
        yield calls
        assert enqueued_wait()


def test_tasks_go_after_commit_from_the_sender_thread_in_order(sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for service_id in (1, 2, 3):
            enqueue(tasks.derivation_run_task, org_id=7, service_id=service_id)
        assert enqueued_wait() and sent == []  # nothing before the commit
    assert enqueued_wait()
    assert [kwargs["service_id"] for kwargs, _ in sent] == [1, 2, 3]
    assert {thread for _, thread in sent} != {threading.current_thread().name}
    assert all(thread.startswith("task-sender") for _, thread in sent)


def test_past_the_backlog_the_request_sends_its_own(sent, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(tenant_tasks._Sender, "BACKLOG", 0)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(tasks.derivation_run_task, org_id=7, service_id=1)
    assert sent == [({"org_id": 7, "service_id": 1}, threading.current_thread().name)]


def test_eager_tasks_run_in_the_request(monkeypatch, django_capture_on_commit_callbacks):
    ran = []
    monkeypatch.setattr(tasks.derivation_run_task, "apply_async",
                        lambda kwargs, **options: ran.append(threading.current_thread().name))
    with eager(True), django_capture_on_commit_callbacks(execute=True):
        enqueue(tasks.derivation_run_task, org_id=7, service_id=1)
    assert ran == [threading.current_thread().name]
