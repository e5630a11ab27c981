"""Reports computed from the rollups, kept in the cache until the rollups change.

A dashboard's numbers only change when ``delivery_derive`` rewrites rollup rows, far less often
than the pages are read; computing a year of an organization's lead time percentiles on every
request cost seconds (bench/README.md, analytics pages). Every report read from the rollups is
stored under the organization's rollup generation, a token replaced whenever rollup rows are
rewritten (analytics.dora.services), so a rewrite makes every stored report unreachable.

The token is replaced twice: at once, so the writing transaction itself (and a test inside one)
never reads a report from before its rewrite, and again on commit, so a report computed by another
request between the two, from the rows as they were before the commit, is never reused. Should
the cache be unreachable when the token is replaced, stored reports expire after REPORT_SECONDS.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

from django.core.cache import cache
from django.db import transaction

from analytics.query import MetricQuery

REPORT_SECONDS = 600


def _generation_key(org_id: int) -> str:
    return f"analytics:dora:generation:{org_id}"


def _replace_generation(org_id: int) -> None:
    cache.set(_generation_key(org_id), uuid.uuid4().hex, timeout=None)


def rollups_changed(*, org_id: int) -> None:
    """Forget every stored report of the organization (now, and again when the transaction commits)."""
    _replace_generation(org_id)
    transaction.on_commit(lambda: _replace_generation(org_id))


def _generation(org_id: int) -> str | None:
    key = _generation_key(org_id)
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        token = cache.get(key)
    return token  # None: the cache is unreachable


def cached_report(*, org_id: int, kind: str, query: MetricQuery, services: list[int] | None,
                  compute: Callable[[], object]):
    """`compute()`'s answer for this report (`kind` names the report and its grouping), from the
    cache when the rollups have not changed since it was stored. `services` is the query's
    resolved scope: a service moved to another value stream or team changes it."""
    generation = _generation(org_id)
    if generation is None:
        return compute()
    scope = hashlib.sha256(repr(services).encode()).hexdigest()[:24]
    key = (f"analytics:dora:report:{org_id}:{generation}:{kind}:{query.window_from}:{query.window_to}:"
           f"{query.tz.key}:{query.interval}:{scope}")
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, timeout=REPORT_SECONDS)
    return found
