"""Writes of write-back (integrations.sync.writeback runs the passes): queuing a pass, and the
WritebackAction rows that make each announcement happen once.

An action is claimed (recorded ``sending`` and committed) before its request goes out, so a
resolution is announced once however often the pass runs; a failed one is claimed again by a
later pass, up to MAX_ATTEMPTS. No audit event: the action rows are the record.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import Connection, WritebackAction
from vsm.tenancy.context import require_org_id
from vsm.tenancy.tasks import enqueue

MAX_ATTEMPTS = 5


def writeback_queue(*, source: Connection) -> None:
    """Queue a write-back pass over ``source``'s records after commit, when anything in the
    organization may be written back to."""
    if Connection.objects.filter(is_active=True, writeback_enabled=True).exists():
        from integrations.sync import tasks  # here, not at the top: the tasks module imports the services

        enqueue(tasks.connection_writeback, org_id=require_org_id(), connection_id=source.pk)


def writeback_action_claim(*, connection: Connection, kind: str, target: str, cause: str, resolved_at: datetime
                           ) -> WritebackAction | None:
    """The action to send now, recorded and committed before sending; None when it was sent
    already, is being sent, or has used up its attempts."""
    key = {"connection": connection, "kind": kind, "target": target, "cause": cause, "resolved_at": resolved_at}
    with transaction.atomic():
        try:
            with transaction.atomic():
                action, created = WritebackAction.objects.get_or_create(**key)
        except IntegrityError:  # another pass created it a moment ago: that pass sends it
            return None
        if not created:
            action = WritebackAction.objects.select_for_update().get(pk=action.pk)
            if action.status != WritebackAction.Status.FAILED or action.attempts >= MAX_ATTEMPTS:
                return None
        action.status, action.attempts = WritebackAction.Status.SENDING, action.attempts + 1
        action.save(update_fields=["status", "attempts"])
    return action


def writeback_action_outcome(*, action: WritebackAction, error: str | None) -> WritebackAction:
    """Record how the claimed ``action``'s request went: done, or failed with ``error``."""
    if error is None:
        action.status, action.error_message, action.done_at = WritebackAction.Status.DONE, "", timezone.now()
    else:
        action.status, action.error_message = WritebackAction.Status.FAILED, error[:2000]
    action.save(update_fields=["status", "error_message", "done_at"])
    return action
