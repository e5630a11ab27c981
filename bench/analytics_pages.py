"""Server time and SQL query count of the analytics pages on a large delivery history, against
their reports alone (what the page must compute anyway) as one statement and, the baseline, as one
statement per set (the window, its series, the previous window: how they ran before), measured in
the same run.

    .venv/bin/python bench/analytics_pages.py [--deployments 1000000] [--services 200] [--runs 10] [--keep]

The data set is bench/analytics_dataset.py's (COPY into its own database, rollups built by
delivery_derive). With --keep an existing bench database is reused and kept; otherwise it is
created and dropped again. Each page is requested through the whole Django stack (session,
tenant context, template rendering) by a signed-in owner, after one warm-up request: read again
(reports from the cache, analytics.dora.report_cache), cold (the organization's rollup
generation replaced before each request, as a derivation does, so every report is computed) and,
for the pages whose reports the warm-up task computes (analytics.dora.warm), warmed: the
generation replaced, then the warm-up run (untimed; its time is printed), then the page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analytics_dataset import ORG, fill, use_bench_database  # sets up Django
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.dora.records import dora_records_count
from analytics.dora.selectors import _PRELUDE, _aggregate, _facts, dora_reports
from analytics.dora.sql import window_params
from analytics.dora.warm import dora_reports_warm
from analytics.models import DoraChange
from analytics.query import metric_query_parse
from vsm.accounts.models import User
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import Membership, Organization
from vsm.tenancy.roles import Role

# (label, path, the parameters of its reports for report_floor, whether the warm-up computes them)
PAGES = [
    ("dashboard, 90 days", "/o/{org}/analytics/?window=90", {"window": 90}, True),
    ("dashboard, 365 days", "/o/{org}/analytics/?window=365", {"window": 365}, True),
    ("value stream dashboard, 365 days", "/o/{org}/analytics/value-streams/stream-1/?window=365",
     {"window": 365, "value_stream": "stream-1"}, False),
    ("service page, 365 days", "/o/{org}/analytics/services/service-1/?window=365",
     {"window": 365, "service": "service-1"}, False),
    ("breakdown by service, 365 days", "/o/{org}/analytics/dora/breakdown/?by=service&window=365", None, True),
    ("drill-down, change failure rate, 365 days",
     "/o/{org}/analytics/dora/records/?metric=change_failure_rate&window=365", None, False),
]


def timed(runs: int, call, *, before=lambda: None) -> list[float]:
    """Milliseconds of `call()`, `runs` times, each after an untimed `before()`."""
    samples = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def records_count_alone(org: Organization, runs: int) -> float:
    """The median of counting the drill-down's records (what its paginator ran on every request
    before the count came from the rollups, analytics.dora.record_counts)."""
    today = timezone.localdate(timezone=org.tzinfo)
    with tenant_context(org):
        query = metric_query_parse(params={"from": str(today - timedelta(days=364)), "to": str(today)}, org=org)
        return statistics.median(timed(runs + 1, lambda: dora_records_count(query=query,
                                                                          metric="change_failure_rate"))[1:])


def report_floor(org: Organization, params: dict, runs: int) -> tuple[float, float]:
    """The medians of the reports the page needs for its window and scope (the window, its weekly
    series, the previous window the trends need: what a dashboard cannot avoid), computed from
    the rollups every time (never from the cache, analytics.dora.report_cache): as one statement
    (dora_reports, what the pages run) and one statement per set, as before (the baseline)."""
    today = timezone.localdate(timezone=org.tzinfo)
    days = params["window"]
    scope = {k: v for k, v in params.items() if k != "window"}
    with tenant_context(org):
        current = metric_query_parse(params={"from": str(today - timedelta(days=days - 1)), "to": str(today),
                                             "interval": "week", **scope}, org=org)
        previous = metric_query_parse(params={"from": str(today - timedelta(days=2 * days - 1)),
                                              "to": str(today - timedelta(days=days)), **scope}, org=org)

        def together():
            return dora_reports(queries=[current, previous], use_rollups=True)

        def one_per_set():
            facts = _facts(current, use_rollups=True)
            with transaction.atomic(savepoint=False):
                for query, interval in ((current, None), (current, "week"), (previous, None)):
                    _aggregate(facts, window_params(query), periods=(interval,), prelude=_PRELUDE)

        together()  # warm-up
        one_per_set()
        return statistics.median(timed(runs, together)), statistics.median(timed(runs, one_per_set))


def forget(org: Organization) -> None:
    """A new rollup state, as a derivation's rewrite records one: every stored report forgotten."""
    with tenant_context(org):
        DoraChange.objects.create()


def forget_and_warm(org: Organization, warm_ups: list[float]) -> None:
    """As after a derivation with the warm-up task run (analytics.dora.warm): every stored report
    forgotten, then the warm-up's reports computed; its time appended to `warm_ups`."""
    forget(org)
    with tenant_context(org):
        warm_ups.extend(timed(1, dora_reports_warm))


def measure(*, runs: int) -> tuple[list[tuple], list[float]]:
    org = Organization.objects.get(slug=ORG)
    user, _ = User.objects.get_or_create(email="bench-pages@example.com")
    with tenant_context(org):
        Membership.objects.get_or_create(user=user, defaults={"role": Role.OWNER})
    client = Client(HTTP_HOST="localhost")  # an allowed host outside the test runner
    client.force_login(user)
    rows, warm_ups = [], []
    for label, url, floor_params, warmed in PAGES:
        path = url.format(org=org.slug)
        response = client.get(path)  # warm-up: connections, caches, query plans
        assert response.status_code == 200, (path, response.status_code)
        reset_queries()  # each request clears the log when it starts; count from a clean one
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        query_count = len(queries.captured_queries)  # read now: the next request clears the log
        samples = timed(runs, lambda path=path: client.get(path))
        # Cold: as after a derivation rewrote rollup rows, every stored report forgotten first.
        cold = timed(runs, lambda path=path: (forget(org), client.get(path)))
        # The same with the warm-up task run in between (untimed): what its first reader pays.
        after_warm = (statistics.median(timed(runs, lambda path=path: client.get(path),
                                              before=lambda: forget_and_warm(org, warm_ups)))
                      if warmed else None)
        floor = report_floor(org, floor_params, runs) if floor_params else None
        rows.append((label, statistics.median(samples), max(samples), statistics.median(cold), after_warm,
                     query_count, floor))
    return rows, warm_ups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deployments", type=int, default=1_000_000)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="reuse (and keep) the bench database")
    args = parser.parse_args(argv)
    original = connection.settings_dict["NAME"]
    if use_bench_database(keep=args.keep):
        for step, seconds in fill(deployments=args.deployments, services=args.services).items():
            print(f"{step:<55} {seconds:8.1f} s")
    try:
        rows, warm_ups = measure(runs=args.runs)
        count_alone = records_count_alone(Organization.objects.get(slug=ORG), args.runs)
    finally:
        if not args.keep:
            connection.creation.destroy_test_db(original, verbosity=0)
    print(f"\nanalytics pages, {args.runs} requests each (server time through the Django stack)")
    print(f"{'page':<44}{'p50 ms':>9}{'max ms':>9}{'cold p50':>10}{'warmed p50':>12}{'queries':>9}"
          f"{'reports ms':>12}{'per set ms':>12}{'reports / per set':>19}{'cold / per set':>16}")
    for label, p50, worst, cold, after_warm, queries, floor in rows:
        if floor:
            together, per_set = floor
            figures = f"{together:>12.1f}{per_set:>12.1f}{together / per_set:>19.2f}{cold / per_set:>16.2f}"
        else:
            figures = f"{'':>59}"
        warmed = f"{after_warm:>12.1f}" if after_warm is not None else f"{'':>12}"
        print(f"{label:<44}{p50:>9.1f}{worst:>9.1f}{cold:>10.1f}{warmed}{queries:>9}{figures}")
    print(f"\nwarm-up task (analytics.dora.warm), {len(warm_ups)} runs: median {statistics.median(warm_ups):.0f} ms, "
          f"max {max(warm_ups):.0f} ms")
    print(f"drill-down's records counted (change failure rate, 365 days, the count it replaced): "
          f"median {count_alone:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
