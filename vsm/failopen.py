"""Redis is an accelerator, never the source of truth: when it cannot be reached, the parts of a
request that use it (the cache, the API throttle) carry on as if it held nothing, and the
request is answered from PostgreSQL. Each such moment is counted per process and logged as a
warning; `/healthz` shows the counts (docs/architecture.md, "When Redis is down")."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from functools import cache

import redis

logger = logging.getLogger(__name__)

# Redis answers a healthy request in well under a millisecond; waiting longer than this for a
# connection or a reply only delays a request that will be answered without it anyway.
REDIS_TIMEOUT_SECONDS = 0.5
# During an outage every request fails open: log the first time, then a summary this often.
LOG_EVERY_SECONDS = 10.0

_lock = threading.Lock()
_counts: Counter[str] = Counter()
_last_logged: dict[str, float] = {}


def fail_open(component: str, error: Exception) -> None:
    """Record that `component` went on without Redis because of `error`."""
    now = time.monotonic()
    with _lock:
        _counts[component] += 1
        total = _counts[component]
        due = now - _last_logged.get(component, -LOG_EVERY_SECONDS) >= LOG_EVERY_SECONDS
        if due:
            _last_logged[component] = now
    if due:
        logger.warning("redis unreachable, %s fails open", component,
                       extra={"component": component, "error": type(error).__name__, "fail_open_total": total})


def fail_open_counts() -> dict[str, int]:
    """How many times each component has failed open in this process."""
    with _lock:
        return dict(_counts)


@cache
def redis_client(url: str) -> redis.Redis:
    """One connection pool per URL for the process, with short timeouts (see above)."""
    return redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                                socket_timeout=REDIS_TIMEOUT_SECONDS)
