"""CI through a Redis outage: with the broker, the cache and the throttle's counters on a Redis of
the test's own that is then stopped, deployments, bookings, deployment checks and webhooks are
answered without a server error and every record is in PostgreSQL; once Redis is back, beat's
sweep queues the derivations whose tasks were never sent and a real worker pays them. People
sign in and read pages meanwhile."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.utils import timezone

from environments.models import Booking
from integrations.models import Deployment, DerivationPending, WebhookDelivery
from integrations.tasks import delivery_derive_sweep
from releases.models import DeploymentCheck
from tests.celery_support import broker, wait_for
from tests.environments.factories import EnvironmentFactory
from tests.factories import ServiceFactory
from tests.integrations.factories import ConnectionFactory, ProductionEnvironmentFactory
from tests.integrations.hooks_support import as_bytes, post
from vsm import celery_app
from vsm.failopen import fail_open_counts
from vsm.tenancy.tasks import enqueued_wait

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
API = "/api/v1/orgs/acme/"
ROUNDS = 10


def deployment(version: str) -> dict:
    return {"service": "payments-api", "environment": "production", "version": version, "status": "succeeded",
            "started_at": "2025-03-04T18:00:00Z", "finished_at": "2025-03-04T18:04:12Z"}


def booking(n: int) -> dict:
    start = (timezone.now() + timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    return {"environment": "sit-1", "start": (start + timedelta(hours=n)).isoformat(),
            "end": (start + timedelta(hours=n, minutes=50)).isoformat(), "purpose": f"Regression {n}"}


@pytest.fixture
def redis_of_our_own(own_redis, settings):
    """Broker, cache and throttle counters all on `own_redis`, as an installation with REDIS_URL has them."""
    settings.REDIS_URL = own_redis.url
    settings.API_THROTTLE_REDIS_URL = own_redis.url
    settings.CACHES = {"default": {"BACKEND": "vsm.cache.FailOpenRedisCache", "LOCATION": own_redis.url}}
    with broker(own_redis.url):
        yield own_redis


def test_ci_is_answered_through_a_redis_outage_and_derivation_catches_up(
        redis_of_our_own, org_a, owner_a, api_a, in_org, client):
    ProductionEnvironmentFactory(organization=org_a, slug="production")
    EnvironmentFactory(organization=org_a, slug="sit-1", tier="integration")
    ServiceFactory(organization=org_a, slug="payments-api")
    hook = ConnectionFactory(organization=org_a, kind="generic", webhook_secret="hook-secret")

    # Redis up: the connection pools are open, as in a running installation.
    assert api_a.post(f"{API}deployments/", deployment("0.9.0"), format="json").status_code == 201
    cache.set("warm", 1)
    assert cache.get("warm") == 1

    redis_of_our_own.stop()
    before = fail_open_counts()
    answers, started = [], time.monotonic()
    for n in range(ROUNDS):
        answers += [
            ("deployment", api_a.post(f"{API}deployments/", deployment(f"1.{n}.0"), format="json")),
            ("booking", api_a.post(f"{API}bookings/", booking(n), format="json")),
            ("check", api_a.post(f"{API}deployment-checks/", {
                "service": "payments-api", "environment": "production", "version": f"1.{n}.0"}, format="json")),
            ("webhook", post(client, hook, "generic", "deployment.json", as_bytes({
                **deployment(f"2.{n}.0"), "external_id": f"hook-{n}"}))),
        ]
    elapsed = time.monotonic() - started
    # People too: the lockout counts in PostgreSQL, sessions live there, pages read nothing from Redis.
    signed_in = client.post("/accounts/login/", {"username": owner_a.email, "password": "correct-horse-battery"})
    assert signed_in.status_code == 302
    assert client.get(f"/o/{org_a.slug}/").status_code == 200
    assert [(kind, r.status_code) for kind, r in answers if r.status_code >= 500] == []
    assert {kind: r.status_code for kind, r in answers} == {
        "deployment": 201, "booking": 201, "check": 200, "webhook": 200}
    assert cache.get("warm") is None  # a miss, not an error
    assert enqueued_wait(timeout=60)  # tasks go to the broker after the answer, from the sender thread
    after = fail_open_counts()
    assert after["api throttle"] - before.get("api throttle", 0) == 3 * ROUNDS
    assert after["cache"] > before.get("cache", 0)
    # Each webhook's processing task; the deployments queue none: their service's derivation marker
    # was already waiting (its task sent before the outage), and the sweep below pays it.
    assert after["task queue"] - before.get("task queue", 0) >= ROUNDS
    health = client.get("/healthz").json()
    assert (health["status"], health["redis_fail_open"]["api throttle"]) == ("degraded", after["api throttle"])
    print(f"{len(answers)} requests during the outage in {elapsed:.1f} s")

    with in_org(org_a):
        assert Deployment.objects.filter(version__in=[f"1.{n}.0" for n in range(ROUNDS)]).count() == ROUNDS
        assert Deployment.objects.filter(external_id__startswith="hook-").count() == ROUNDS
        assert Booking.objects.count() == ROUNDS
        assert DeploymentCheck.objects.count() == ROUNDS
        assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"processed"}
        assert DerivationPending.objects.exists()  # their tasks could not be sent
        # Past the sweep's grace period, as beat would find them a minute later.
        DerivationPending.objects.update(marked_at=timezone.now() - timedelta(minutes=2))

    def markers_left() -> bool:
        with in_org(org_a):
            return DerivationPending.objects.exists()

    redis_of_our_own.start()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        delivery_derive_sweep.delay()  # what beat sends every minute
        wait_for(lambda: not markers_left(), timeout=30)
