"""Booking latency at 10,000 existing bookings, against baselines measured in the same run.

    .venv/bin/python bench/environments_booking.py [--bookings 10000] [--runs 300]

Creates a throwaway database (migrated, with row-level security, as the application role),
fills it, measures, prints a table, and drops the database again. Not a test: the numbers
depend on the machine; the ratios are what to compare between runs.

Measured, each in its own transaction like a request:
- baseline: a bare INSERT of a booking row (no lock, no check, no audit), and a primary-key lookup;
- booking_request (free slot): lock the environment, check overlaps and outages, insert, audit;
- conflict check: the overlap query and peak count alone (`selectors.collisions`);
- booking_request (conflict): the refusal, including the next free slot and an equivalent environment.
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

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from environments import selectors, services  # noqa: E402
from environments.errors import BookingConflict  # noqa: E402
from environments.models import Booking, BookingKind, Environment, make_period  # noqa: E402
from vsm.accounts.models import User  # noqa: E402
from vsm.catalog.models import Team, TeamMember  # noqa: E402
from vsm.tenancy.actor import Actor  # noqa: E402
from vsm.tenancy.context import tenant_context  # noqa: E402
from vsm.tenancy.models import Membership, Organization  # noqa: E402
from vsm.tenancy.roles import Role  # noqa: E402

BENCH_DATABASE = "bench_environments"
ENVIRONMENTS = 20
SLOT = timedelta(hours=2)


def timed(runs: int, call: Callable[[int], object]) -> list[float]:
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        call(i)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def fill(*, bookings: int) -> tuple[Actor, list[Environment], object]:
    org = Organization.objects.create(name="Bench", slug="bench")
    user = User.objects.create_user(email="bench@example.com", password=None)
    with tenant_context(org):
        Membership.objects.create(user=user, role=Role.OWNER)
        team = Team.objects.create(name="Bench team", slug="bench-team")
        TeamMember.objects.create(team=team, user=user)
        envs = [Environment.objects.create(name=f"Env {n}", slug=f"env-{n}", tier="test") for n in range(ENVIRONMENTS)]
        start = (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        per_env = bookings // ENVIRONMENTS
        rows = [
            Booking(organization=org, environment=env, requested_by=user, requester_label=user.email, team=team,
                    purpose="existing", kind=BookingKind.REGRESSION, exclusive=True, status=Booking.Status.APPROVED,
                    period=make_period(start + k * 3 * SLOT, start + k * 3 * SLOT + SLOT))
            for env in envs for k in range(per_env)
        ]
        Booking.objects.bulk_create(rows, batch_size=2000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE environments_booking")
    return Actor(role=Role.OWNER, user=user), envs, (org, team, start, per_env)


def measure(*, bookings: int, runs: int) -> list[tuple[str, list[float]]]:
    actor, envs, (org, team, start, per_env) = fill(bookings=bookings)
    user = actor.user

    def gap(i: int, offset: int) -> tuple:
        """A one-minute period in the gap after existing booking k: free, among busy neighbours."""
        env = envs[i % ENVIRONMENTS]
        k = (i // ENVIRONMENTS) * 3 % per_env
        lower = start + k * 3 * SLOT + SLOT + offset * timedelta(minutes=1)
        return env, lower, lower + timedelta(minutes=1)

    def bare_insert(i: int) -> None:
        env, lower, upper = gap(i, 0)
        with transaction.atomic():
            Booking.objects.create(environment=env, requested_by=user, requester_label=user.email, team=team,
                                   purpose="bare", period=make_period(lower, upper), status=Booking.Status.APPROVED)

    with tenant_context(org):
        ids = list(Booking.objects.values_list("pk", flat=True)[:runs])

    def pk_lookup(i: int) -> None:
        Booking.objects.get(pk=ids[i % len(ids)])

    def request_free(i: int) -> None:
        env, lower, upper = gap(i, 2)
        services.booking_request(actor=actor, environment=env, start=lower, end=upper, purpose="bench", team=team)

    def check_only(i: int) -> None:
        env = envs[i % ENVIRONMENTS]
        k = (i * 7) % per_env
        busy = start + k * 3 * SLOT
        selectors.collisions(environments=[env], periods=[(busy, busy + SLOT)])

    def request_conflict(i: int) -> None:
        env = envs[i % ENVIRONMENTS]
        k = (i * 7) % per_env
        busy = start + k * 3 * SLOT + timedelta(minutes=30)
        try:
            services.booking_request(actor=actor, environment=env, start=busy, end=busy + SLOT, purpose="bench")
        except BookingConflict:
            return
        raise AssertionError("expected a conflict")

    with tenant_context(org):
        results = []
        for label, call in [("baseline: bare INSERT of a booking", bare_insert),
                            ("baseline: primary-key lookup", pk_lookup),
                            ("booking_request, free slot", request_free),
                            ("conflict check alone (collisions)", check_only),
                            ("booking_request, conflict (409 answer)", request_conflict)]:
            timed(min(20, runs), call)  # warm-up: connections, caches, query plans
            results.append((label, timed(runs, lambda i, call=call: call(i + runs))))
        total = Booking.objects.count()
    print(f"bookings in the database at the end: {total}")
    return results


def report(results: list[tuple[str, list[float]]], *, bookings: int, runs: int) -> None:
    base_insert = statistics.median(results[0][1])
    base_lookup = statistics.median(results[1][1])
    print(f"\nbooking latency with {bookings:,} existing bookings on {ENVIRONMENTS} environments, {runs} runs each")
    print(f"{'operation':<42}{'p50 ms':>9}{'p95 ms':>9}{'p50 / INSERT':>14}{'p50 / pk lookup':>17}")
    for label, samples in results:
        p50, p95 = statistics.median(samples), percentile(samples, 0.95)
        print(f"{label:<42}{p50:>9.2f}{p95:>9.2f}{p50 / base_insert:>14.2f}{p50 / base_lookup:>17.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bookings", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args(argv)
    connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        results = measure(bookings=args.bookings, runs=args.runs)
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)
    report(results, bookings=args.bookings, runs=args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
