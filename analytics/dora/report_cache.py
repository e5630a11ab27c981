"""Reports computed from the rollups, kept in the cache under the state of the rollups.

A dashboard's numbers only change when ``delivery_derive`` rewrites rollup rows, far less often
than the pages are read; computing a year of an organization's lead time percentiles on every
request cost seconds (bench/README.md, analytics pages). Every report read from the rollups is
stored under the rollups' state (analytics.dora.services.rollup_state: the newest DoraChange, a
row each rewrite writes in its own transaction), read in the query that already tells whether the
rollups are complete. A rewrite moves the state, so every report stored before it is not read
again, and a report is only ever stored under a state older than or equal to the rows it was
computed from: it can never be stale, whatever the cache missed. So a report is kept for days
(REPORT_SECONDS bounds the memory), not forgotten minutes after the last derivation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache

from analytics.query import MetricQuery

REPORT_SECONDS = 7 * 24 * 3600


def cached_report(*, org_id: int, state: int, kind: str, query: MetricQuery, services: list[int] | None,
                  compute: Callable[[], object]):
    """`compute()`'s answer for this report (`kind` names the report and its grouping), from the
    cache when it was stored under the same rollup `state`. `services` is the query's resolved
    scope: a service moved to another value stream or team changes it."""
    scope = hashlib.sha256(repr(services).encode()).hexdigest()[:24]
    key = (f"analytics:dora:report:{org_id}:{state}:{kind}:{query.window_from}:{query.window_to}:"
           f"{query.tz.key}:{query.interval}:{scope}")
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, timeout=REPORT_SECONDS)
    return found
