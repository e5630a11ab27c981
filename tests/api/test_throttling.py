"""The API throttle under real concurrency: many clients of one token at once against a live
server admit exactly the budget, with the counters in Redis (shared by every worker process)
and in-process (the demo); separate principals have separate budgets."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from vsm.api.throttling import PrincipalRateThrottle
from vsm.tenancy.roles import Role

BUDGET = 40
REQUESTS = 160
PARALLEL = 16


@pytest.fixture(params=["redis", "in-process"])
def counters(request, settings):
    """Where the counters live: a Redis of the test's own, or this process."""
    if request.param == "redis":
        server = request.getfixturevalue("own_redis")
        settings.API_THROTTLE_REDIS_URL = server.url
        settings.CACHES = {"default": {"BACKEND": "vsm.cache.FailOpenRedisCache", "LOCATION": server.url}}
        return server
    settings.API_THROTTLE_REDIS_URL = None
    return None


def hammer(url: str, token: str) -> Counter:
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30,
                      limits=httpx.Limits(max_connections=PARALLEL)) as http, \
            ThreadPoolExecutor(PARALLEL) as pool:
        return Counter(pool.map(lambda _: http.get(url).status_code, range(REQUESTS)))


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_admit_no_more_than_the_budget(
        counters, live_server, org_a, token_factory, monkeypatch, throttle_clock):
    monkeypatch.setattr(PrincipalRateThrottle, "THROTTLE_RATES", {"principal": f"{BUDGET}/min"})
    url = f"{live_server.url}/api/v1/orgs/{org_a.slug}/whoami/"
    ci, other = token_factory(org_a, name="ci"), token_factory(org_a, role=Role.VIEWER, name="dashboards")

    assert hammer(url, ci) == {200: BUDGET, 429: REQUESTS - BUDGET}
    assert hammer(url, other) == {200: BUDGET, 429: REQUESTS - BUDGET}  # a budget of its own
    throttle_clock.now += 20  # the next minute's window
    assert hammer(url, ci) == {200: BUDGET, 429: REQUESTS - BUDGET}
    if counters is not None:
        [key] = [k for k in counters.client().keys("throttle:*") if k.endswith(b":16667")]
        assert 0 < counters.client().ttl(key) <= 60  # the counter goes when its window is over
