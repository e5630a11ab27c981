"""GET metrics/dora/ at scale, against the time PostgreSQL needs merely to count the same rows.

    .venv/bin/python bench/analytics_dora.py [--runs 5] [--drop]

Uses the dataset of bench/analytics_dataset.py (builds it first when ``bench_analytics`` does not
hold it: 1,000,000 production deployments, 3,000,000 commits, 100,000 incidents, 200 services).
For a 90-day and a two-year window, organization-wide and for one value stream (10 of the 200
services), it measures in the same run:

- floor: one SQL statement counting the window's production deployments and the changes whose
  first production deployment finished in it (the rows the five metrics are about); "count
  deployments" is the deployments alone, for reference;
- endpoint: the whole API request with a CI token (authentication, tenant context, parsing,
  dora_report from the rollups, JSON rendering), median of ``--runs``;
- raw: dora_report computed from the records without rollups (once), to show what they buy.

Goals (issue 6): two years organization-wide within 5x the floor; one value stream within 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vsm.settings.test")
os.environ["API_THROTTLE_RATE"] = "100000000/min"

from analytics_dataset import BENCH_DATABASE, ORG, fill, use_bench_database
from django.db import connection
from django.test import Client
from django.utils import timezone

from analytics.dora.selectors import dora_report
from analytics.query import metric_query_parse
from integrations.delivery_rules import LIVE_STATUSES as LIVE
from integrations.derivation import COMMITS, DEPLOYMENTS
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import Organization
from vsm.tenancy.roles import Role
from vsm.tenancy.services import api_token_create

DEPLOYMENTS_ONLY = f"""
SELECT count(*) FROM {DEPLOYMENTS} d
 WHERE d.organization_id = %(org)s AND d.is_production AND d.status IN %(live)s
   AND d.finished_at >= %(start)s AND d.finished_at < %(end)s AND (%(all)s OR d.service_id = ANY(%(services)s))
"""
FLOOR = f"""
SELECT (SELECT count(*) FROM {DEPLOYMENTS} d
         WHERE d.organization_id = %(org)s AND d.is_production AND d.status IN %(live)s
           AND d.finished_at >= %(start)s AND d.finished_at < %(end)s
           AND (%(all)s OR d.service_id = ANY(%(services)s))),
       (SELECT count(*) FROM {COMMITS} c JOIN {DEPLOYMENTS} d ON d.id = c.first_production_deployment_id
         WHERE c.organization_id = %(org)s AND (%(all)s OR c.service_id = ANY(%(services)s))
           AND d.organization_id = %(org)s AND d.finished_at >= %(start)s AND d.finished_at < %(end)s)
"""


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _timed(run, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def measure(*, runs: int) -> list[dict]:
    org = Organization.objects.get(slug=ORG)
    client = Client(SERVER_NAME="127.0.0.1")
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")  # the floor without JIT too, as dora_report runs (the lower floor)
    with tenant_context(org):
        _token, secret = api_token_create(name=f"bench-{time.time()}", role=Role.VIEWER, expires_at=None,
                                          actor=Actor.for_system("bench"))
    today = timezone.now().astimezone(org.tzinfo).date()
    cases = [("90 days, organization", 90, {}), ("2 years, organization", 730, {}),
             ("2 years, organization, weekly series", 730, {"interval": "week"}),
             ("90 days, one value stream", 90, {"value_stream": "stream-0"}),
             ("2 years, one value stream", 730, {"value_stream": "stream-0"})]
    results = []
    for label, days, scope in cases:
        params = {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat(), **scope}
        with tenant_context(org):
            query = metric_query_parse(params=params, org=org)
            services = query.service_ids()
            floor_params = {"org": org.pk, "live": LIVE, "start": query.start, "end": query.end,
                            "all": services is None, "services": services or []}

            def count(sql=FLOOR, floor_params=floor_params):
                with connection.cursor() as cursor:
                    cursor.execute(sql, floor_params)
                    return cursor.fetchone()

            floor, counted = _timed(count, runs)
            deployments_only, _ = _timed(lambda: count(DEPLOYMENTS_ONLY), runs)
            raw, _ = _timed(lambda query=query: dora_report(query=query, use_rollups=False), 1)

        def request(params=params):
            response = client.get(f"/api/v1/orgs/{ORG}/metrics/dora/", params,
                                  HTTP_AUTHORIZATION=f"Bearer {secret}")
            assert response.status_code == 200, response.content
            return response.json()

        request()  # warm the connection and caches alike for every case
        endpoint, body = _timed(request, runs)
        assert body["deployment_frequency"]["deployments"] == counted[0]
        assert body["change_lead_time"]["changes"] <= counted[1]
        results.append({"case": label, "deployments": counted[0], "changes": counted[1], "floor": floor,
                        "deployments_only": deployments_only, "endpoint": endpoint, "raw": raw})
    return results


def report(results: list[dict], *, runs: int) -> None:
    print(f"GET metrics/dora/ on {BENCH_DATABASE}; medians of {runs} runs (raw: one run)\n")
    print(f"{'case':<40} {'deployments':>11} {'changes':>9} {'count deployments ms':>20} {'floor ms':>9}"
          f" {'endpoint ms':>11} {'x floor':>8} {'raw ms':>9}")
    for r in results:
        print(f"{r['case']:<40} {r['deployments']:>11,} {r['changes']:>9,} {_ms(r['deployments_only']):>20} "
              f"{_ms(r['floor']):>9} {_ms(r['endpoint']):>11} {r['endpoint'] / r['floor']:>8.2f} {_ms(r['raw']):>9}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--drop", action="store_true", help="drop the bench database afterwards")
    args = parser.parse_args(argv)
    original = connection.settings_dict["NAME"]
    if use_bench_database(keep=True):
        for step, seconds in fill(deployments=1_000_000, services=200).items():
            print(f"{step:<55} {seconds:8.1f} s")
    try:
        report(measure(runs=args.runs), runs=args.runs)
    finally:
        if args.drop:
            connection.creation.destroy_test_db(original, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
