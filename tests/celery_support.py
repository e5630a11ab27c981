"""Running tasks through a real Redis broker and a real Celery worker in tests."""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager

from celery.signals import task_prerun

from vsm import celery_app
from vsm.tenancy.tasks import enqueued_wait

# A database of our own on the shared Redis, so other test runs' queues are left alone.
BROKER_DB = 9


def broker_redis_url() -> str:
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    return f"{base.rsplit('/', 1)[0]}/{BROKER_DB}"


@contextmanager
def broker(url: str):
    """Send tasks to `url` instead of running them in-process, then put the app back."""
    conf = celery_app.conf
    saved = {key: conf[key] for key in ("broker_url", "task_always_eager", "worker_hijack_root_logger")}
    conf.update(broker_url=url, task_always_eager=False, worker_hijack_root_logger=False)
    # The app caches its connection and producer pools for the broker it first used.
    celery_app._after_fork()
    try:
        yield
    finally:
        enqueued_wait()  # tasks queued inside go to this broker, not to the app put back
        conf.update(saved)
        celery_app._after_fork()


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not deliver in time")


@contextmanager
def recording_task_runs():
    """(task name, ran eagerly?, ran in the test's own thread?) for every task run."""
    runs = []

    def record(task, **_):
        runs.append((task.name, task.request.is_eager, threading.current_thread() is threading.main_thread()))

    task_prerun.connect(record, weak=False)
    try:
        yield runs
    finally:
        task_prerun.disconnect(record)
