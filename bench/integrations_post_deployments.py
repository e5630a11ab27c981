"""``POST deployments/`` throughput and latency against a bare authenticated JSON endpoint of the
same stack (``GET whoami/``), measured in the same run.

    .venv/bin/python bench/integrations_post_deployments.py [--requests 1000] [--deployments 5000]
        [--synchronous-commit off]

Creates a throwaway database with an organization holding ``--deployments`` earlier deployments,
then drives, through Django's test client with a CI token (middleware, token authentication,
throttling, tenant context, rendering), in alternating batches:
- baseline: GET whoami/;
- POST deployments/ of a new deployment (new external_id, one commit): validation, resolution,
  the upsert, the commit and its link, the derivation marker, the audit event;
- POST deployments/ again with an existing external_id (the "finished" update of a started one).
The derivation task each post queues goes to a broker, as in production (see measure()).
``--synchronous-commit off`` sets PostgreSQL's ``synchronous_commit`` on the bench database, as
an operator may for the application's role: commits stop waiting for the WAL flush (a database
crash may lose the last moments of acknowledged writes; nothing is corrupted).
Prints a table with the ratios against whoami and drops the database.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vsm.settings.test")
os.environ["API_THROTTLE_RATE"] = "100000000/min"

from django.db import connection
from django.test import Client
from django.utils import timezone

from bench.releases_deployment_check import interleaved, percentile
from environments.models import Environment, Tier
from integrations import normalized as n
from integrations.services.ingest import records_ingest
from vsm import celery_app
from vsm.catalog.models import Service
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import Organization
from vsm.tenancy.roles import Role
from vsm.tenancy.services import api_token_create

BENCH_DATABASE = "bench_integrations_deployments"
ORG = "bench"


def fill(*, deployments: int) -> str:
    org = Organization.objects.create(name="Bench", slug=ORG)
    with tenant_context(org):
        Service.objects.create(name="Payments API", slug="payments-api")
        Environment.objects.create(name="Production", slug="production", tier=Tier.PRODUCTION, is_production=True)
        start = timezone.now() - timedelta(days=365)
        history = [n.NormalizedDeployment(
            source=n.Source.GENERIC, external_id=f"old-{i}", service="payments-api", environment="production",
            status=n.DeploymentStatus.SUCCEEDED, status_raw="succeeded", version=f"1.{i}.0",
            finished_at=start + timedelta(hours=i)) for i in range(deployments)]
        for offset in range(0, deployments, 500):
            records_ingest(connection=None, records=history[offset:offset + 500])
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        _token, secret = api_token_create(name="ci", role=Role.ENGINEER, expires_at=None,
                                          actor=Actor.for_system("bench"))
    return secret


def measure(*, requests: int, deployments: int) -> list[tuple[str, list[float], float]]:
    # As in production, the derivation task is sent to a broker (an in-memory one nobody
    # consumes), not run inside the request as the brokerless demo mode does.
    celery_app.conf.update(task_always_eager=False, broker_url="memory://")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {fill(deployments=deployments)}", SERVER_NAME="127.0.0.1")
    base = f"/api/v1/orgs/{ORG}"
    run = {"round": 0}

    def whoami(i: int) -> None:
        assert client.get(f"{base}/whoami/").status_code == 200

    def post(expected: int, external_id: Callable[[int], str]) -> Callable[[int], None]:
        def call(i: int) -> None:
            sha = f"{run['round']:08x}{i:032x}"
            response = client.post(f"{base}/deployments/", {
                "service": "payments-api", "environment": "production", "version": f"2.{i}.0", "commit_sha": sha,
                "status": "succeeded", "external_id": external_id(i), "finished_at": timezone.now().isoformat(),
                "commits": [{"sha": sha, "message": "change"}]}, content_type="application/json")
            assert response.status_code == expected, response.content
        return call

    calls = [whoami, post(201, lambda i: f"new-{run['round']}-{i}"), post(200, lambda i: f"old-{i % deployments}")]
    interleaved(calls, runs=min(50, requests))  # warm-up: connections, caches, query plans
    run["round"] = 1
    labels = ["baseline: GET whoami/", "POST deployments/ (new)", "POST deployments/ (update)"]
    return [(label, samples, rps) for label, (samples, rps) in zip(labels, interleaved(calls, runs=requests),
                                                                     strict=True)]


def report(results: list[tuple[str, list[float], float]], *, requests: int, deployments: int,
           synchronous_commit: str) -> None:
    base_p50, base_rps = statistics.median(results[0][1]), results[0][2]
    print(f"\nPOST deployments/ against whoami/, {requests} sequential requests each, "
          f"{deployments} deployments stored before, synchronous_commit {synchronous_commit}")
    print(f"{'endpoint':<32}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'req/s / whoami':>16}{'p50 / whoami':>14}")
    for label, samples, rps in results:
        p50, p95 = statistics.median(samples), percentile(samples, 0.95)
        print(f"{label:<32}{rps:>9.0f}{p50:>9.2f}{p95:>9.2f}{rps / base_rps:>16.2f}{p50 / base_p50:>14.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--deployments", type=int, default=5000)
    parser.add_argument("--synchronous-commit", choices=("on", "off"), default="on")
    args = parser.parse_args(argv)
    connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{BENCH_DATABASE}" SET synchronous_commit = {args.synchronous_commit}')
    connection.close()  # the setting holds for sessions started after it
    try:
        results = measure(requests=args.requests, deployments=args.deployments)
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)
    report(results, requests=args.requests, deployments=args.deployments, synchronous_commit=args.synchronous_commit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
