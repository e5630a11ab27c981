"""The organization's freeze windows as every deployment check and freeze banner reads them,
kept in process memory under the organization's rules version.

Every change to a freeze window or to the environments it covers bumps
`ReleaseSettings.rules_version` in the same transaction (releases/signals.py), and readers read
that version from the database on each request (the deployment check gets it with the service
it looks up, at no extra query), so the memory can never serve rules another process has changed. Within one
version each window also remembers when it was last found quiet or in force, so a window that
cannot start before some moment is not expanded again until then.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from releases.models import FreezeScope, FreezeWindow, FreezeWindowEnvironment
from releases.recurrence import Period
from vsm.tenancy.context import require_org_id

# Organizations whose rules one process keeps; the least recently used go first.
MAX_ORGANIZATIONS = 256


@dataclass
class _Quiet:
    """A window found not in force at `since`, and unable to start before `until` (None: ever)."""

    since: datetime
    until: datetime | None


@dataclass
class FreezeRules:
    since: datetime  # holds every window not over at this moment: good for checks at or after it
    windows: list[FreezeWindow]
    links: dict[int, frozenset[int]]  # environment ids covered by each window of scope "environments"
    quiet: dict[int, _Quiet] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def linked(self, environment_ids: set[int]) -> set[int]:
        return {pk for pk, covered in self.links.items() if covered & environment_ids}

    def running(self, window: FreezeWindow, at: datetime) -> Period | None:
        """`window.recurrence.active_at(at)`, skipped while the window is known to be quiet (a
        window in force, which is rare, is expanded each time: its start moves along a chain)."""
        with self.lock:
            quiet = self.quiet.get(window.pk)
        if quiet is not None and quiet.since <= at and (quiet.until is None or at < quiet.until):
            return None
        recurrence = window.recurrence
        period = recurrence.active_at(at)
        if period is None:
            with self.lock:
                self.quiet[window.pk] = _Quiet(at, recurrence.next_start(at))
        return period


_memory: OrderedDict[tuple[int, int | None], FreezeRules] = OrderedDict()
_memory_lock = threading.Lock()


def _load(at: datetime) -> FreezeRules:
    windows = list(FreezeWindow.objects.filter(Q(last_ends_at__isnull=True) | Q(last_ends_at__gt=at))
                   .select_related("value_stream").order_by("starts_at", "id"))
    scoped = [w.pk for w in windows if w.scope == FreezeScope.ENVIRONMENTS]
    links: dict[int, set[int]] = {pk: set() for pk in scoped}
    if scoped:
        for window_id, environment_id in FreezeWindowEnvironment.objects.filter(
                freeze_window_id__in=scoped).values_list("freeze_window_id", "environment_id"):
            links[window_id].add(environment_id)
    return FreezeRules(since=at, windows=windows, links={pk: frozenset(ids) for pk, ids in links.items()})


def freeze_rules(*, at: datetime, version: int | None) -> FreezeRules | None:
    """The rules of the current organization at `version`, or None when `at` is earlier than the
    rules kept (a question about the past is answered from the database)."""
    key = (require_org_id(), version)
    with _memory_lock:
        rules = _memory.get(key)
        if rules is not None:
            _memory.move_to_end(key)
    if rules is None:
        rules = _load(at)
        with _memory_lock:
            rules = _memory.setdefault(key, rules)
            while len(_memory) > MAX_ORGANIZATIONS:
                _memory.popitem(last=False)
    return rules if rules.since <= at else None
