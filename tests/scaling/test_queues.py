"""Queues per workload, through a real Redis broker and real worker processes (one per queue, as
docker-compose.yml runs them): with the sync queue saturated, a deployment CI posts is derived
and shows in the metrics as fast as with that queue idle. On one shared queue it would wait for
every sync task queued before it.

These tests commit (transactional_db): the workers are other processes."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from environments.models import Environment, Tier
from tests.celery_support import broker
from tests.factories import ServiceFactory
from tests.scaling.processes import workers
from vsm import celery_app
from vsm.tenancy.context import tenant_context

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]

DEPLOYMENTS = "/api/v1/orgs/acme/deployments/"
DORA = "/api/v1/orgs/acme/metrics/dora/"
BACKLOG = 3000  # sync tasks queued ahead: tens of seconds of one sync worker's time


def _post_and_wait_for_the_metrics(api, number: int) -> float:
    began = time.monotonic()
    response = api.post(DEPLOYMENTS, {
        "service": "payments-api", "environment": "production", "version": f"1.{number}.0",
        "status": "succeeded", "external_id": f"deploy-{number}", "finished_at": timezone.now().isoformat()},
        format="json")
    assert response.status_code == 201, response.content
    today = timezone.now().date().isoformat()
    deadline = began + 60
    while time.monotonic() < deadline:
        report = api.get(DORA, {"from": today, "to": today}).json()
        if report["deployment_frequency"]["deployments"] == number:
            return time.monotonic() - began
        time.sleep(0.05)
    raise AssertionError(f"deployment {number} was not derived within 60 s")


def test_a_saturated_sync_queue_does_not_delay_the_derivation(api_a, org_a, own_redis):
    with tenant_context(org_a):
        ServiceFactory(organization=org_a, slug="payments-api")
        Environment.objects.create(name="Production", slug="production", tier=Tier.PRODUCTION, is_production=True)
    with broker(own_redis.url), workers(own_redis.url, ["derive", "sync"]):
        _post_and_wait_for_the_metrics(api_a, 1)  # the workers are up (start-up is not measured)
        idle = _post_and_wait_for_the_metrics(api_a, 2)
        with celery_app.producer_or_acquire() as producer:
            for _ in range(BACKLOG):
                celery_app.send_task("integrations.sync.tasks.connections_sync_due", producer=producer)
        queued = own_redis.client().llen("sync")
        saturated = _post_and_wait_for_the_metrics(api_a, 3)
        still_queued = own_redis.client().llen("sync")
    assert queued > BACKLOG / 2 and still_queued > 0, (queued, still_queued)  # the sync queue stayed busy
    assert saturated < idle * 2 + 1.0, (idle, saturated)
