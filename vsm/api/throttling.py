"""The API's rate limit: a fixed-window counter per principal.

Time is cut into windows of the rate's period (a minute for `1200/min`); each request adds one
to its principal's counter for the current window and is refused with 429 once the counter
passes the budget, with `Retry-After` saying when the window ends. The counter is incremented
and read in one atomic step, so concurrent requests cannot all read "under the budget": at most
the budget is admitted per principal and window, across every worker process when the counters
live in Redis (API_THROTTLE_REDIS_URL, REDIS_URL by default: INCR and EXPIRE sent together in one
MULTI/EXEC round trip), within one process otherwise (the demo: a dict under a lock). The known
cost of fixed windows: a client may spend one budget at the end of a window and the next at the
start of the following one. Refused requests count too, so hammering does not earn headroom.

An unreachable Redis admits the request (vsm.failopen): CI keeps deploying through a blip.
"""

from __future__ import annotations

import math
import threading
import time

import redis
from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from vsm.failopen import fail_open, redis_client


class LocalWindows:
    """Counters of one process, for installations without Redis."""

    MAX_KEYS = 10_000

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[float, int]] = {}

    def hit(self, key: str, ttl: int) -> int:
        now = time.time()
        with self._lock:
            if len(self._counts) >= self.MAX_KEYS:
                self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
            expires, count = self._counts.get(key, (now + ttl, 0))
            self._counts[key] = (expires, count + 1)
            return count + 1


class RedisWindows:
    def __init__(self, url: str):
        self._client = redis_client(url)

    def hit(self, key: str, ttl: int) -> int:
        pipe = self._client.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, ttl)
        count, _ = pipe.execute()
        return count


_local = LocalWindows()


def windows() -> LocalWindows | RedisWindows:
    url = settings.API_THROTTLE_REDIS_URL
    return RedisWindows(url) if url else _local


class PrincipalRateThrottle(SimpleRateThrottle):
    """One budget per token, per signed-in person, or per client address."""

    scope = "principal"
    cache_format = "throttle:%(scope)s:%(ident)s:%(window)d"

    def get_cache_key(self, request, view):
        auth = request.auth
        if auth is not None and hasattr(auth, "digest"):
            ident = f"token-{auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        self.now = self.timer()
        return self.cache_format % {"scope": self.scope, "ident": ident, "window": self.now // self.duration}

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        try:
            count = windows().hit(key, self.duration)
        except redis.RedisError as error:
            fail_open("api throttle", error)
            return True
        self.window_end = (self.now // self.duration + 1) * self.duration
        return count <= self.num_requests

    def wait(self):
        return max(1, math.ceil(self.window_end - self.now))
