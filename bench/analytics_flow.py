"""Flow metrics and the value stream map on a generated work history.

    .venv/bin/python bench/analytics_flow.py [--items 30000] [--services 20] [--runs 3] [--keep] [--drop]

Into its own database (``bench_analytics_flow``, or ``BENCH_FLOW_DATABASE``; migrated, row-level
security on, as the application role), written with analytics_dataset.py's COPY helper: one
organization (Europe/Berlin), 4 value streams, `--services` services, two years of work items
ending today, each with its status history (To Do, In Progress, a wait in Blocked for a third of
them, In Progress, Done; a tenth still open), one merged pull request naming it, its merge commit,
and per service and day one test deployment and one production deployment listing the day's
merge commits (the commits' first production deployment set as the DORA derivation would).

Measures `GET metrics/flow/` and `GET metrics/value-stream-map/` through the whole stack with a
token (median of `--runs`) for 90 days, 1 year and 2 years, against a floor measured in the same
run: one statement counting the window's done items and their transitions. Each is also
requested with the code before its latest change, read from git, in turn with the current one
(medians of `--runs` each): the same-run baseline, whose answer must be the same JSON ("same").
For the map, the statement of commit c99dc35, which merged every item's status waits with its
key's delivery waits and intersected them with each stage per request, before the map rows of
analytics.streammap.items stored each item's seconds waited; for flow, analytics.flow.selectors
and .statuses of f21211a, five statements for the work items' numbers where there are two now.
The queries of one request are counted too. Storing the delivery events and the items' rows costs what
`map_deliveries_refresh` takes per service (timed in the fill; the items' rows are also written
by the triggers while the work items and transitions are copied). The statement timeout
is set to `--limit` seconds for the run (default 120): a request cancelled by it is reported as
"> limit" (what the code before the stored flow instants did from 90 days on).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
import types
from datetime import timedelta
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vsm.settings.test")
os.environ["BENCH_ANALYTICS_DATABASE"] = os.environ.get("BENCH_FLOW_DATABASE", "bench_analytics_flow")
os.environ["DATABASE_STATEMENT_TIMEOUT_MS"] = str(1000 * int(next(
    (a.split("=", 1)[1] for a in sys.argv if a.startswith("--limit=")), "120")))

from analytics_dataset import BENCH_DATABASE, ORG, Copy, _next_id, organization, use_bench_database
from analytics_dora import _timed
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.streammap.store import map_deliveries_refresh
from environments.models import Environment
from integrations.models import Commit, Deployment, DeploymentCommit, PullRequest, WorkItem, WorkItemTransition
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import Organization
from vsm.tenancy.roles import Role
from vsm.tenancy.services import api_token_create

PER_REQUEST_COMMIT = "c99dc35"
FLOW_BEFORE_COMMIT = "f21211a"
LIMIT_SECONDS = int(os.environ["DATABASE_STATEMENT_TIMEOUT_MS"]) // 1000
DAYS = 730
HOUR = timedelta(hours=1)
FLOOR = f"""
SELECT count(*), (SELECT count(*) FROM {WorkItemTransition._meta.db_table} t
                   WHERE t.organization_id = %(org)s AND t.work_item_id = ANY(array_agg(w.id)))
  FROM {WorkItem._meta.db_table} w
 WHERE w.organization_id = %(org)s AND w.resolved_at >= %(start)s AND w.resolved_at < %(end)s
"""


def fill(*, items: int, services: int, seed: int = 11) -> dict[str, float]:
    timings: dict[str, float] = {}
    org, created, production = organization(services=services)
    with tenant_context(org):
        test_env = Environment.objects.create(name="Test", slug="test", tier="test")
    rng = random.Random(seed)
    clock = time.perf_counter()
    end = timezone.now().replace(microsecond=0, second=0, minute=0)
    start = end - timedelta(days=DAYS)
    copies = {model: Copy(model, org_id=org.pk, explicit_ids=model in (WorkItem, Commit, Deployment))
              for model in (WorkItem, WorkItemTransition, PullRequest, Commit, Deployment, DeploymentCommit)}
    item_id, commit_id, deployment_id = _next_id(WorkItem), _next_id(Commit), _next_id(Deployment)
    # Merge commits per (service, day), deployed to test that evening and to production the next.
    merged: dict[tuple[int, int], list[int]] = {}
    per_item_days = DAYS / items
    for n in range(items):
        service = created[n % services]
        created_at = start + timedelta(days=n * per_item_days, minutes=rng.randrange(600))
        began = created_at + HOUR * rng.randrange(1, 96)
        moves = [(began, "In Progress", "in_progress", False)]
        at = began + HOUR * rng.randrange(2, 48)
        if n % 3 == 0:
            moves.append((at, "Blocked", "in_progress", True))
            at += HOUR * rng.randrange(2, 72)
            moves.append((at, "In Progress", "in_progress", False))
            at += HOUR * rng.randrange(2, 24)
        opened, merged_at = at - HOUR * 8, at
        done = merged_at + HOUR * rng.randrange(30, 60) if n % 10 else None
        if done:
            moves.append((done, "Done", "done", False))
        key = f"FLOW-{n}"
        status, category, waiting = (moves[-1][1], moves[-1][2], moves[-1][3])
        copies[WorkItem].write({"id": item_id, "key": key, "title": f"Item {n}",
                                "flow_type": "feature" if n % 4 else "defect",
                                "status_raw": status, "status_category": category, "waiting": waiting,
                                "service_id": service.pk, "created_at": created_at, "updated_at": done or at,
                                "resolved_at": done, "source": "jira", "external_id": key,
                                "first_seen_at": created_at, "last_seen_at": done or at})
        previous = ("To Do", "todo")
        for k, (moved_at, to_status, to_category, to_waiting) in enumerate(moves):
            copies[WorkItemTransition].write({"work_item_id": item_id, "external_id": f"{key}-{k}", "at": moved_at,
                                              "from_status": previous[0], "from_category": previous[1],
                                              "to_status": to_status, "to_category": to_category,
                                              "to_waiting": to_waiting})
            previous = (to_status, to_category)
        sha = f"{service.pk:08x}{n:032x}"
        copies[Commit].write({"id": commit_id, "service_id": service.pk, "sha": sha, "source": "api",
                              "external_id": f"{service.slug}@{sha}", "committed_at": merged_at,
                              "message": key, "first_seen_at": merged_at, "last_seen_at": merged_at})
        merged.setdefault((service.pk, (merged_at - start).days), []).append(commit_id)
        copies[PullRequest].write({"service_id": service.pk, "number": n + 1, "title": key, "state": "merged",
                                   "opened_at": opened, "first_review_at": opened + HOUR * rng.randrange(1, 6),
                                   "merged_at": merged_at, "closed_at": merged_at, "merge_commit_sha": sha,
                                   "work_item_keys": [key], "source": "github", "external_id": f"pr-{n}",
                                   "first_seen_at": opened, "last_seen_at": merged_at})
        item_id += 1
        commit_id += 1
    first_production: dict[int, int] = {}
    for (service_id, day), commit_ids in sorted(merged.items()):
        for environment, hours, is_production in ((test_env, 20, False), (production, 34, True)):
            finished = start + timedelta(days=day) + HOUR * hours
            if finished > end:
                continue
            copies[Deployment].write({
                "id": deployment_id, "service_id": service_id, "environment_id": environment.pk,
                "environment_name": environment.slug, "version": f"{day}.{int(is_production)}", "status": "succeeded",
                "started_at": finished - HOUR / 2, "finished_at": finished, "is_production": is_production,
                "source": "api", "external_id": f"{service_id}-{day}-{int(is_production)}",
                "first_seen_at": finished, "last_seen_at": finished})
            for cid in commit_ids:
                copies[DeploymentCommit].write({"deployment_id": deployment_id, "commit_id": cid})
                if is_production:
                    first_production[cid] = deployment_id
            deployment_id += 1
    timings["generate rows (CSV files)"] = time.perf_counter() - clock
    with tenant_context(org):
        for model in (WorkItem, WorkItemTransition, Deployment, Commit, DeploymentCommit, PullRequest):
            clock = time.perf_counter()
            count = copies[model].finish()
            timings[f"COPY {count:,} {model._meta.verbose_name_plural}"] = time.perf_counter() - clock
        with connection.cursor() as cursor:
            cursor.execute(f"""UPDATE {Commit._meta.db_table} c SET first_production_deployment_id = f.deployment
                                 FROM unnest(%s::bigint[], %s::bigint[]) AS f(commit, deployment)
                                WHERE c.id = f.commit AND c.organization_id = %s""",
                           [list(first_production), list(first_production.values()), org.pk])
        with connection.cursor() as cursor:  # the derivation's statements on tables with statistics
            cursor.execute("ANALYZE")
        clock = time.perf_counter()
        for service in created:  # what each service's derivation adds for the map
            map_deliveries_refresh(service_id=service.pk, since=None)
        timings[f"store the map's delivery events and item rows, {services} services"] = time.perf_counter() - clock
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return timings


def _module_at(commit: str, path: str, replacing: dict | None = None) -> types.ModuleType:
    """The module at `path` as of `commit` (read from git), its imports of `replacing`'s names
    answered by the given modules."""
    source = subprocess.run(["git", "show", f"{commit}:{path}"], check=True, capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent.parent).stdout
    module = types.ModuleType(f"{path.replace('/', '_')}_{commit}")
    with mock.patch.dict(sys.modules, replacing or {}):
        exec(compile(source, f"{commit}:{path}", "exec"), module.__dict__)
    return module


def per_request_measured_sql():
    """analytics.streammap.sql of PER_REQUEST_COMMIT: every event found per request."""
    return _module_at(PER_REQUEST_COMMIT, "analytics/streammap/sql.py").measured_sql


def flow_report_before():
    """analytics.flow.selectors of FLOW_BEFORE_COMMIT with its analytics.flow.statuses: five
    statements for the work items' numbers (velocity, weekly counts, load, efficiency, time in
    status), each scanning the window's items, two of them the transitions."""
    statuses = _module_at(FLOW_BEFORE_COMMIT, "analytics/flow/statuses.py")
    return _module_at(FLOW_BEFORE_COMMIT, "analytics/flow/selectors.py",
                      {"analytics.flow.statuses": statuses}).flow_report


def _alternating(first, second, runs: int) -> tuple[float, object, float, object]:
    """Medians of `runs` runs of each, taken in turn (so both see the same moments of a shared
    machine), and their last answers."""
    times: tuple[list[float], list[float]] = ([], [])
    answers = [None, None]
    for _ in range(runs):
        for n, run in enumerate((first, second)):
            start = time.perf_counter()
            answers[n] = run()
            times[n].append(time.perf_counter() - start)
    return statistics.median(times[0]), answers[0], statistics.median(times[1]), answers[1]


def measure(*, runs: int) -> list[dict]:
    org = Organization.objects.get(slug=ORG)
    client = Client(SERVER_NAME="127.0.0.1")
    with tenant_context(org):
        _token, secret = api_token_create(name=f"bench-{time.time()}", role=Role.VIEWER, expires_at=None,
                                          actor=Actor.for_system("bench"))
    today = timezone.now().astimezone(org.tzinfo).date()
    per_request, flow_before = per_request_measured_sql(), flow_report_before()
    results = []
    for label, days in (("90 days", 90), ("1 year", 365), ("2 years", 730)):
        params = {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat()}

        def floor(days=days):
            with tenant_context(org), connection.cursor() as cursor:
                cursor.execute(FLOOR, {"org": org.pk, "start": timezone.now() - timedelta(days=days),
                                       "end": timezone.now()})
                return cursor.fetchone()

        floor_seconds, (done, transitions) = _timed(floor, runs)
        row = {"case": label, "done": done, "transitions": transitions, "floor": floor_seconds}
        for name, path, patch, baseline in (
                ("flow", "flow/", "analytics.flow.api.views.flow_report", flow_before),
                ("map", "value-stream-map/", "analytics.streammap.selectors.measured_sql", per_request)):
            def request(path=path, params=params):
                response = client.get(f"/api/v1/orgs/{ORG}/metrics/{path}", params,
                                      HTTP_AUTHORIZATION=f"Bearer {secret}")
                assert response.status_code in (200, 503), response.content
                return response.json() if response.status_code == 200 else None

            def request_before(request=request, patch=patch, baseline=baseline):
                with mock.patch(patch, baseline):
                    return request()

            with CaptureQueriesContext(connection) as queries:
                answered = request() is not None
            row[f"{name}_queries"] = len(queries.captured_queries)
            if answered:  # warm both, then in turn
                request_before()
                row[name], row[f"{name}_body"], row[f"{name}_before"], row[f"{name}_before_body"] = _alternating(
                    request, request_before, runs)
            else:
                for key in (name, f"{name}_body", f"{name}_before", f"{name}_before_body"):
                    row[key] = None
        results.append(row)
    return results


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def _cells(row: dict, name: str) -> str:
    """Milliseconds now and before (or "> limit" for a request the statement timeout cancelled),
    their ratio, whether both answered the same JSON, and the queries of a request now."""
    if row[f"{name}_body"] is None:
        return f"{'> ' + str(LIMIT_SECONDS) + ' s':>9} {'-':>9} {'-':>6} {'-':>5} {row[f'{name}_queries']:>7}"
    return (f"{_ms(row[name]):>9} {_ms(row[f'{name}_before']):>9} {row[name] / row[f'{name}_before']:>6.2f}"
            f" {str(row[f'{name}_body'] == row[f'{name}_before_body']):>5} {row[f'{name}_queries']:>7}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=30_000)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="reuse an existing bench database")
    parser.add_argument("--drop", action="store_true", help="drop the bench database afterwards")
    parser.add_argument("--limit", type=int, default=120,
                        help="statement timeout of the requests, seconds (give it as --limit=N)")
    args = parser.parse_args(argv)
    original = connection.settings_dict["NAME"]
    if use_bench_database(keep=args.keep):
        for step, seconds in fill(items=args.items, services=args.services).items():
            print(f"{step:<55} {seconds:8.1f} s")
    try:
        results = measure(runs=args.runs)
        print(f"\nGET metrics/flow/ and metrics/value-stream-map/ on {BENCH_DATABASE}; medians of {args.runs} runs\n")
        columns = f"{'ms':>9} {'before ms':>9} {'ratio':>6} {'same':>5} {'queries':>7}"
        print(f"{'':<10} {'':>10} {'':>11} {'':>9} {'flow':<40} {'map':<40}")
        print(f"{'window':<10} {'done items':>10} {'transitions':>11} {'floor ms':>9} {columns} {columns}"
              f" {'velocity':>8} {'map items':>9}")
        for r in results:
            velocity = r["flow_body"]["velocity"]["items"] if r["flow_body"] else "-"
            mapped = r["map_body"]["coverage"]["items"] if r["map_body"] else "-"
            print(f"{r['case']:<10} {r['done']:>10,} {r['transitions']:>11,} {_ms(r['floor']):>9} {_cells(r, 'flow')}"
                  f" {_cells(r, 'map')} {velocity:>8} {mapped:>9}")
    finally:
        if args.drop:
            connection.close()
            connection.settings_dict["NAME"] = original
            connection.creation.destroy_test_db(BENCH_DATABASE, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
