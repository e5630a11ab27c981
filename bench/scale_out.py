"""Sluice scaled out on one machine: 2 gunicorn web nodes and 2 Celery workers (one for derivation,
one for the other queues) and Celery beat on the primary through PgBouncer in transaction mode, reading from a
streaming replica, while CI clients and people load it.

    .venv/bin/python bench/scale_out.py [--seconds 60] [--ci-clients 50] [--people 5]
        [--replica-url postgresql://sluice@127.0.0.1:5433/sluice]

Needs pgbouncer, redis-server and a streaming replica (.ci/replica makes one; without it the nodes
read from the primary and the table says so). Creates a throwaway database on the primary (the
replica follows it), then for --seconds runs:
- --ci-clients threads, each a CI job looping over: a deployment check, a posted deployment (a new
  one each time), a booking of its own environment (a new slot each time);
- --people threads, each a person loading the DORA dashboard and the flow page;
alternating between the two nodes. Then waits for the workers to derive every posted deployment
(a marker left by a derivation that raced a later post is beat's sweep's, within a minute)
and counts what was stored against what was answered: records lost are posts answered 201 whose
row is missing, or deployments missing from the metrics. Prints requests, errors, throughput and
p50/p99 per kind, and the machine's load. Drops the database.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vsm.settings.test")

import django

django.setup()

import httpx  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.releases_deployment_check import percentile  # noqa: E402
from environments.models import Booking, Environment, Tier  # noqa: E402
from integrations.models import Deployment as StoredDeployment  # noqa: E402
from integrations.models import DerivationPending  # noqa: E402
from releases.models import DeploymentCheck  # noqa: E402
from tests.factories import MembershipFactory, UserFactory  # noqa: E402
from tests.pgbouncer_support import pgbouncer  # noqa: E402
from tests.redis_support import RedisServer  # noqa: E402
from tests.scaling.processes import beat, web_nodes, workers  # noqa: E402
from vsm.catalog.models import Service  # noqa: E402
from vsm.tenancy.actor import Actor  # noqa: E402
from vsm.tenancy.context import tenant_context  # noqa: E402
from vsm.tenancy.models import Organization  # noqa: E402
from vsm.tenancy.roles import Role  # noqa: E402
from vsm.tenancy.services import api_token_create  # noqa: E402

BENCH_DATABASE = "bench_scale_out"
ORG = "bench"
API = f"/api/v1/orgs/{ORG}"
PASSWORD = "correct-horse-battery"  # UserFactory's


def fill(ci_clients: int, people: int) -> tuple[str, list[str]]:
    org = Organization.objects.create(name="Bench", slug=ORG)
    with tenant_context(org):
        Service.objects.create(name="Payments API", slug="payments-api")
        Environment.objects.create(name="Production", slug="production", tier=Tier.PRODUCTION, is_production=True)
        for n in range(ci_clients):
            Environment.objects.create(name=f"SIT {n}", slug=f"sit-{n}", tier=Tier.INTEGRATION)
        _token, secret = api_token_create(name="ci", role=Role.ENGINEER, expires_at=None,
                                          actor=Actor.for_system("bench"))
        emails = []
        for n in range(people):
            user = UserFactory(email=f"person{n}@bench.test")
            MembershipFactory(organization=org, user=user, role=Role.VIEWER)
            emails.append(user.email)
    return secret, emails


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.created = defaultdict(int)

    def timed(self, kind: str, call, expected: int):
        began = time.perf_counter()
        try:
            response = call()
            failed = None if response.status_code == expected else f"{response.status_code} {response.text[:200]}"
        except httpx.HTTPError as error:
            failed = repr(error)
        took = time.perf_counter() - began
        with self.lock:
            self.samples[kind].append(took)
            if failed:
                self.errors[kind].append(failed)
            elif expected == 201:
                self.created[kind] += 1


def ci_job(number: int, nodes: list[str], token: str, until: float, tally: Tally) -> None:
    clients = [httpx.Client(base_url=node, headers={"Authorization": f"Bearer {token}"}, timeout=30)
               for node in nodes]
    start = timezone.now() + timedelta(days=30)
    for turn in itertools.count():
        if time.monotonic() >= until:
            break
        client, version = clients[turn % len(clients)], f"1.{number}.{turn}"
        tally.timed("deployment check", lambda c=client, v=version: c.post(f"{API}/deployment-checks/", json={
            "service": "payments-api", "environment": "production", "version": v}), 200)
        tally.timed("posted deployment", lambda c=client, v=version: c.post(f"{API}/deployments/", json={
            "service": "payments-api", "environment": "production", "version": v, "status": "succeeded",
            "external_id": f"job-{v}", "finished_at": timezone.now().isoformat()}), 201)
        slot = start + timedelta(hours=turn)
        tally.timed("booking", lambda c=client, s=slot: c.post(f"{API}/bookings/", json={
            "environment": f"sit-{number}", "start": s.isoformat(), "end": (s + timedelta(hours=1)).isoformat(),
            "purpose": "Regression"}), 201)
    for client in clients:
        client.close()


def person(email: str, nodes: list[str], until: float, tally: Tally) -> None:
    browsers = []
    for node in nodes:
        browser = httpx.Client(base_url=node, timeout=30)
        form = browser.get("/accounts/login/").text
        token = form.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        tally.timed("sign-in", lambda b=browser, t=token: b.post("/accounts/login/", data={
            "username": email, "password": PASSWORD, "csrfmiddlewaretoken": t}), 302)
        browsers.append(browser)
    for turn in itertools.count():
        if time.monotonic() >= until:
            break
        browser = browsers[turn % len(browsers)]
        tally.timed("dashboard (DORA page)", lambda b=browser: b.get(f"/o/{ORG}/analytics/"), 200)
        tally.timed("dashboard (flow page)", lambda b=browser: b.get(f"/o/{ORG}/analytics/flow/"), 200)
    for browser in browsers:
        browser.close()


def wait_for_derivation(org: Organization, timeout: float = 180) -> float:
    began = time.monotonic()
    with tenant_context(org):
        while DerivationPending.objects.exists():
            if time.monotonic() - began > timeout:
                break
            time.sleep(0.5)
    return time.monotonic() - began


def run(args) -> int:
    secret, emails = fill(args.ci_clients, args.people)
    org = Organization.objects.get(slug=ORG)
    name = connection.settings_dict["NAME"]
    replica = f"{args.replica_url.rsplit('/', 1)[0]}/{name}" if args.replica_url else ""
    tally = Tally()
    with ExitStack() as stack:
        redis = RedisServer()
        redis.start()
        stack.callback(redis.stop)
        host, port = stack.enter_context(pgbouncer(pool_size=10))
        through = {"DATABASE_URL": f"postgresql://{connection.settings_dict['USER']}@{host}:{port}/{name}",
                   "DATABASE_TRANSACTION_POOLER": "true"}
        nodes = stack.enter_context(web_nodes(
            redis.url, 2, **through, DATABASE_REPLICA_URLS=replica, API_THROTTLE_RATE="100000000/min",
            DJANGO_SETTINGS_MODULE="tests.scaling.node_settings"))
        stack.enter_context(workers(redis.url, ["derive,celery", "sync,notify,analytics"], **through))
        stack.enter_context(beat(redis.url, stack.enter_context(tempfile.TemporaryDirectory()), **through))
        load_before = os.getloadavg()[0]
        until = time.monotonic() + args.seconds
        threads = [threading.Thread(target=ci_job, args=(n, nodes, secret, until, tally))
                   for n in range(args.ci_clients)]
        threads += [threading.Thread(target=person, args=(email, nodes, until, tally)) for email in emails]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        load_after = os.getloadavg()[0]
        derived_in = wait_for_derivation(org)
    with tenant_context(org):
        stored = {"posted deployment": StoredDeployment.objects.count(), "booking": Booking.objects.count(),
                  "deployment check": DeploymentCheck.objects.count()}
        underived = DerivationPending.objects.count()
    answered = {**tally.created, "deployment check": len(tally.samples["deployment check"])
                - len(tally.errors["deployment check"])}
    print(f"\n{args.ci_clients} CI clients and {args.people} people for {args.seconds} s on 2 web nodes "
          f"(gunicorn, 1 process x 4 threads each), 2 workers, PgBouncer (transaction mode, pool 10), "
          f"{'a streaming replica' if replica else 'no replica'}; load average {load_before:.1f} -> {load_after:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"{'request':<26}{'count':>7}{'errors':>8}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'stored':>8}{'lost':>6}")
    for kind, samples in tally.samples.items():
        lost = answered[kind] - stored[kind] if kind in stored else 0
        print(f"{kind:<26}{len(samples):>7}{len(tally.errors[kind]):>8}{len(samples) / args.seconds:>8.1f}"
              f"{statistics.median(samples) * 1000:>9.1f}{percentile(samples, 0.99) * 1000:>9.1f}"
              f"{stored.get(kind, ''):>8}{lost if kind in stored else '':>6}")
    print(f"all posted deployments derived {derived_in:.1f} s after the load ended; markers left: {underived}")
    for kind, errors in tally.errors.items():
        for error in errors[:3]:
            print(f"  error ({kind}): {error}")
    failed = any(tally.errors.values()) or underived or any(
        answered[kind] != stored[kind] for kind in stored)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--ci-clients", type=int, default=50)
    parser.add_argument("--people", type=int, default=5)
    parser.add_argument("--replica-url", default=os.environ.get("TEST_REPLICA_URL", ""))
    args = parser.parse_args(argv)
    connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        return run(args)
    finally:
        connection.close()
        connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
