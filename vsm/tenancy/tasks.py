"""@tenant_task: Celery tasks that run inside one organization's context.

Tasks take `org_id` and integer ids only (never model instances), re-fetch inside the context,
and must be safe to run twice. `enqueue()` sends them only once the surrounding transaction has
committed, so a worker never looks for a row that is not there yet. If the broker is down the
database still holds the truth; the failure is logged and the periodic catch-up picks it up.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from celery import shared_task
from django.db import transaction
from kombu.exceptions import OperationalError

from vsm.failopen import fail_open
from vsm.tenancy.context import task_context
from vsm.tenancy.models import Organization

logger = logging.getLogger(__name__)


def tenant_task(*task_args, **task_options) -> Callable:
    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def run(org_id: int, **ids):
            for name, value in ids.items():
                if value is not None and not isinstance(value, int):
                    raise TypeError(f"{func.__name__}: {name} must be an integer id, got {type(value).__name__}")
            org = Organization.objects.filter(pk=org_id).first()
            if org is None:
                logger.warning("task for a missing organization skipped", extra={"task": func.__name__})
                return None
            with task_context(org):
                return func(**ids)

        return shared_task(name=f"{func.__module__}.{func.__name__}", **task_options)(run)

    if task_args and callable(task_args[0]):
        return decorate(task_args[0])
    return decorate


def enqueue(task, *, org_id: int, countdown: float | None = None, **ids) -> None:
    """Queue `task` after commit, sent by this process's sender thread (in-process when tasks run
    eagerly). With `countdown`, a worker runs it that many seconds later at the earliest (eager
    tasks run at once). A broker outage is logged, never raised into the caller."""

    def send():
        try:
            task.apply_async(kwargs={"org_id": org_id, **ids}, countdown=countdown, retry=False)
        except OperationalError as error:  # the broker is unreachable: counted, no traceback per request
            fail_open("task queue", error)
            logger.warning("could not queue task", extra={"task": task.name})
        except Exception:  # the broker is an accelerator, not the source of truth
            logger.exception("could not queue task", extra={"task": task.name})

    transaction.on_commit(send if task.app.conf.task_always_eager else functools.partial(_sender.submit, send))


class _Sender:
    """Sends queued tasks from one background thread, so a request (CI's deployment post) is
    answered without waiting on the broker: building and publishing a message took about as long
    as the post's statement, and a broker that drops packets 4 s a task. Every task has its truth
    in the database (a marker, a timestamp) that a periodic sweep reads, so a message lost with
    the process is sent again later; at a normal exit the thread sends what is left. Past
    `BACKLOG` waiting messages (a slow broker), the request sends its own: it waits rather than
    piling them up."""

    BACKLOG = 1000

    def __init__(self):
        self._lock = threading.Lock()
        self._pid = None
        self._executor: ThreadPoolExecutor | None = None
        self._waiting = 0

    def submit(self, send: Callable[[], None]) -> None:
        with self._lock:
            if self._waiting >= self.BACKLOG:
                send_now = True
            else:
                send_now = False
                self._waiting += 1
                if self._pid != os.getpid():  # none yet, or one the parent process had before a fork
                    self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="task-sender")
                    self._pid = os.getpid()
                executor = self._executor
        if send_now:
            send()
            return
        executor.submit(contextvars.copy_context().run, self._sent, send)  # log records keep the request id

    def _sent(self, send: Callable[[], None]) -> None:
        try:
            send()
        finally:
            with self._lock:
                self._waiting -= 1

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything submitted so far is sent; whether it was within `timeout`."""
        with self._lock:
            executor = self._executor if self._pid == os.getpid() else None
        if executor is None:
            return True
        try:
            executor.submit(lambda: None).result(timeout=timeout)  # the thread sends in order
        except TimeoutError:
            return False
        return True


_sender = _Sender()


def enqueued_wait(timeout: float = 10.0) -> bool:
    """Wait until the tasks this process queued so far have been handed to the broker (or
    failed to be); whether that happened within `timeout`. For tests and shutdown hooks."""
    return _sender.flush(timeout)
