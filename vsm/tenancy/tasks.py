"""@tenant_task: Celery tasks that run inside one organization's context.

Tasks take `org_id` and integer ids only (never model instances), re-fetch inside the context,
and must be safe to run twice. `enqueue()` sends them only once the surrounding transaction has
committed, so a worker never looks for a row that is not there yet. If the broker is down the
database still holds the truth; the failure is logged and the periodic catch-up picks it up.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

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


def enqueue(task, *, org_id: int, **ids) -> None:
    """Queue `task` after commit. A broker outage is logged, never raised into the caller."""

    def send():
        try:
            task.apply_async(kwargs={"org_id": org_id, **ids}, retry=False)
        except OperationalError as error:  # the broker is unreachable: counted, no traceback per request
            fail_open("task queue", error)
            logger.warning("could not queue task", extra={"task": task.name})
        except Exception:  # the broker is an accelerator, not the source of truth
            logger.exception("could not queue task", extra={"task": task.name})

    transaction.on_commit(send)
