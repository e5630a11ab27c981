""""May I deploy?" throughput and latency against a bare authenticated JSON endpoint of the
same stack, measured in the same run.

    .venv/bin/python bench/releases_deployment_check.py [--requests 2000] [--freezes 50] [--releases 200]

Creates a throwaway database (migrated, with row-level security, as the application role), fills
it, drives both endpoints through Django's test client with a CI token (the whole stack:
middleware, token authentication, throttling, tenant context, rendering), prints a table and
drops the database. Not a test: absolute numbers depend on the machine; the ratios are what to
compare between runs. The goal: the check keeps at least half the bare endpoint's throughput.

Measured in alternating batches (so the machine's load weighs on each alike), each request a
real commit:
- baseline: GET /api/v1/orgs/<org>/whoami/ (authenticates and answers who you are);
- POST deployment-checks/ into SIT: one statement reads the service, the environment, the
  release settings, the open release, the phase targeting SIT with its entry gate's unmet
  summary, the outage and the booking; the freeze rules (kept in memory under the organization's
  rules version) are considered; one insert records the check;
- POST deployment-checks/ into production: the same with deployment approval and the release
  slot booking (the organization requires slots) instead of the booking.
Both clients read each answer's JSON.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vsm.settings.test")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Throttling stays in the path of both endpoints, with a budget the benchmark never exhausts.
os.environ["API_THROTTLE_RATE"] = "100000000/min"

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from environments.models import Booking, Environment, Tier, make_period  # noqa: E402
from releases import services  # noqa: E402
from releases.defaults import DEFAULT_TEMPLATE  # noqa: E402
from releases.models import ReleaseSettings, ReleaseSlotWindow, SlotBooking  # noqa: E402
from vsm.accounts.models import User  # noqa: E402
from vsm.catalog.models import Service, Team, TeamMember, ValueStream  # noqa: E402
from vsm.tenancy.actor import Actor  # noqa: E402
from vsm.tenancy.context import tenant_context  # noqa: E402
from vsm.tenancy.models import Membership, Organization  # noqa: E402
from vsm.tenancy.roles import Role  # noqa: E402
from vsm.tenancy.services import api_token_create  # noqa: E402

BENCH_DATABASE = "bench_releases"
ORG = "bench"


def fill(*, freezes: int, releases: int) -> str:
    """An organization with `releases` releases from the default template (one holds the
    service deployed), `freezes` freeze windows (half recurring, none in force), required release
    slots; returns a CI token's secret."""
    org = Organization.objects.create(name="Bench", slug=ORG, time_zone="Europe/Berlin")
    user = User.objects.create_user(email="rm@bench.test", password=None)
    with tenant_context(org):
        Membership.objects.create(user=user, role=Role.OWNER)
        rm = Actor(role=Role.OWNER, user=user)
        stream = ValueStream.objects.create(name="Payments", slug="payments")
        team = Team.objects.create(name="Payments", slug="payments")
        TeamMember.objects.create(team=team, user=user)
        service = Service.objects.create(name="Payments API", slug="payments-api", value_stream=stream, team=team)
        sit = Environment.objects.create(name="SIT", slug="sit", tier=Tier.INTEGRATION, value_stream=stream)
        Environment.objects.create(name="UAT", slug="uat", tier=Tier.UAT, value_stream=stream)
        Environment.objects.create(name="Production", slug="prod", tier=Tier.PRODUCTION, is_production=True,
                                   is_bookable=False, requires_booking=False, requires_deployment_approval=True,
                                   value_stream=stream)
        template = services.template_create(actor=rm, **DEFAULT_TEMPLATE)
        now = timezone.now()
        start = now - timedelta(days=6)
        for n in range(releases):
            scope = [(service, "")] if n == 0 else []
            services.release_create_from_template(actor=rm, template=template, name=f"Release {n}",
                                                  version=f"1.{n}.0", value_stream=stream,
                                                  planned_start=start + timedelta(days=n % 30), services=scope)
        Booking.objects.create(environment=sit, team=team, requester_label=user.email, purpose="bench",
                               period=make_period(now - timedelta(hours=1), now + timedelta(days=2)),
                               status=Booking.Status.APPROVED, release_ref="1.0.0")
        for n in range(freezes):
            # Half one-off, half every Saturday since two months ago; none in force on weekdays.
            first = now + timedelta(days=3 + n % 20, hours=n % 7) - (timedelta() if n % 2 else timedelta(days=63))
            services.freeze_window_create(actor=rm, name=f"Freeze {n}", starts_at=first,
                                          ends_at=first + timedelta(hours=4), rrule="" if n % 2 else
                                          "FREQ=WEEKLY;BYDAY=SA", tier=Tier.PRODUCTION if n % 3 == 0 else "")
        ReleaseSettings.objects.update_or_create(defaults={"require_release_slots": True})
        window = ReleaseSlotWindow.objects.create(name="Evenings", starts_at=now - timedelta(days=7, hours=1),
                                                  ends_at=now - timedelta(days=7) + timedelta(hours=3),
                                                  rrule="FREQ=DAILY", time_zone="UTC", capacity=3)
        release = service.release_links.get().release
        SlotBooking.objects.create(window=window, release=release, slot_start=now - timedelta(hours=1),
                                   slot_end=now + timedelta(hours=3), booked_by_label="bench")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        _token, secret = api_token_create(name="ci", role=Role.ENGINEER, expires_at=None,
                                          actor=Actor.for_system("bench"))
    return secret


def interleaved(calls: list[Callable[[int], None]], *, runs: int, batch: int = 50
                ) -> list[tuple[list[float], float]]:
    """Per-request latencies (ms) and throughput (requests per second) of each call, run in
    alternating batches so that a change in the machine's load weighs on all of them alike."""
    samples: list[list[float]] = [[] for _ in calls]
    busy = [0.0 for _ in calls]
    for offset in range(0, runs, batch):
        for index, call in enumerate(calls):
            began = time.perf_counter()
            for i in range(offset, min(offset + batch, runs)):
                started = time.perf_counter()
                call(i)
                samples[index].append((time.perf_counter() - started) * 1000)
            busy[index] += time.perf_counter() - began
    return [(taken, len(taken) / seconds) for taken, seconds in zip(samples, busy, strict=True)]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(*, requests: int, freezes: int, releases: int) -> list[tuple[str, list[float], float]]:
    secret = fill(freezes=freezes, releases=releases)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", SERVER_NAME="127.0.0.1")
    base = f"/api/v1/orgs/{ORG}"

    def whoami(i: int) -> None:
        response = client.get(f"{base}/whoami/")
        assert response.status_code == 200, response.content
        assert response.json()["organization"] == ORG  # the client reads each answer, as for the check

    def check(environment: str, expected: set[str]) -> Callable[[int], None]:
        def ask(i: int) -> None:
            response = client.post(f"{base}/deployment-checks/", {
                "service": "payments-api", "environment": environment, "version": "1.0.0"},
                content_type="application/json")
            assert response.status_code == 200, response.content
            codes = {r["code"] for r in response.json()["reasons"]}
            assert expected <= codes <= expected | {"freeze_active"}, codes
        return ask

    labels = ["baseline: GET whoami/", "deployment check into SIT", "deployment check into production"]
    calls = [whoami, check("sit", {"gate_not_met"}), check("prod", {"gate_not_met", "deployment_approval_pending"})]
    interleaved(calls, runs=min(100, requests))  # warm-up: connections, caches, query plans
    return [(label, samples, rps) for label, (samples, rps) in zip(labels, interleaved(calls, runs=requests),
                                                                     strict=True)]


def report(results: list[tuple[str, list[float], float]], *, requests: int, freezes: int, releases: int) -> None:
    base_p50, base_rps = statistics.median(results[0][1]), results[0][2]
    print(f"\n\"may I deploy?\" against whoami/, {requests} sequential requests each, "
          f"{releases} releases and {freezes} freeze windows in the organization")
    print(f"{'endpoint':<36}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'req/s / whoami':>16}{'p50 / whoami':>14}")
    for label, samples, rps in results:
        p50, p95 = statistics.median(samples), percentile(samples, 0.95)
        print(f"{label:<36}{rps:>9.0f}{p50:>9.2f}{p95:>9.2f}{rps / base_rps:>16.2f}{p50 / base_p50:>14.2f}")
    worst = min(rps for _label, _samples, rps in results[1:]) / base_rps
    print(f"\ngoal: the check keeps at least half of whoami's throughput -> {worst:.2f} "
          f"({'met' if worst >= 0.5 else 'NOT met'})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--freezes", type=int, default=50)
    parser.add_argument("--releases", type=int, default=200)
    args = parser.parse_args(argv)
    connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        results = measure(requests=args.requests, freezes=args.freezes, releases=args.releases)
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)
    report(results, requests=args.requests, freezes=args.freezes, releases=args.releases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
