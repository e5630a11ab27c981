"""Ingestion throughput: Jira search pages through ``records_ingest`` against a plain PostgreSQL
COPY of the same rows into unindexed tables, measured in the same run.

    .venv/bin/python bench/integrations_ingest.py [--pages 40] [--page-size 50]

Builds search pages in the shape of the published Jira Server fixture (its issues, each with the
changelog of the single-issue fixture, repeated under new ids and keys), parses them once, then
times, page by page as the sync does (one transaction per page):
- records_ingest of every page into an empty organization (work items and their transitions:
  locks, reads, inserts, flow start, the derivation marker);
- the same pages again (the replay: every record unchanged);
- the baseline, beside each page of both: COPY of the same work item and transition rows into
  two tables without index, constraint, row-level security or trigger, the floor any ingestion
  could reach (in its own transaction, as each page is).
Besides wall time, each side's CPU time is taken (this process and its PostgreSQL backend, read
from /proc when the server runs on this machine): on a machine shared with other work, wall time
moves with everything else that runs, CPU time much less.
Creates a throwaway database and drops it afterwards. The ratios are what to compare.
"""

from __future__ import annotations

import argparse
import copy
import functools
import io
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vsm.settings.test")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from integrations.connectors import jira  # noqa: E402
from integrations.services.ingest import records_ingest  # noqa: E402
from tests.integrations.support import FIXTURES  # noqa: E402
from vsm.tenancy.context import tenant_context  # noqa: E402
from vsm.tenancy.models import Organization  # noqa: E402

BENCH_DATABASE = "bench_integrations_ingest"


def search_pages(pages: int, page_size: int) -> list[dict]:
    """``pages`` search responses of ``page_size`` issues, cycled from the fixture's issues and
    given fresh ids, keys and changelog ids."""
    template = json.loads((FIXTURES / "jira/search.server-v2.many-issues.json").read_bytes())
    # The search fixture was fetched without expand=changelog; a search with it carries each
    # issue's changelog block in the shape of the single-issue fixture.
    changelog = json.loads((FIXTURES / "jira/issue.server-v2.expand-all-incl-changelog.resolved.json").read_bytes()
                           )["changelog"]
    issues = [{**issue, "changelog": changelog} for issue in template["issues"]]
    result = []
    for page in range(pages):
        batch = []
        for slot in range(page_size):
            number = page * page_size + slot + 1
            issue = copy.deepcopy(issues[slot % len(issues)])
            issue["id"], issue["key"] = str(100000 + number), f"BENCH-{number}"
            for index, history in enumerate((issue.get("changelog") or {}).get("histories", [])):
                history["id"] = f"{number}-{index}"
            batch.append(issue)
        result.append({**template, "startAt": page * page_size, "total": pages * page_size, "issues": batch})
    return result


def _copy_text(rows: list[tuple]) -> io.StringIO:
    def cell(value) -> str:
        if value is None:
            return r"\N"
        return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")
    return io.StringIO("".join("\t".join(cell(v) for v in row) + "\n" for row in rows))


def copy_tables() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_copy_item (external_id text, key text, title text, type_raw text, "
                       "flow_type text, status_raw text, status_category text, created_at timestamptz, "
                       "updated_at timestamptz, resolved_at timestamptz)")
        cursor.execute("CREATE TABLE bench_copy_transition (item text, external_id text, at timestamptz, "
                       "from_status text, to_status text, to_category text)")


def copy_page(items: list) -> float:
    """COPY one page's work items and transitions into the unindexed tables; seconds taken."""
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.copy_expert("COPY bench_copy_item FROM STDIN", _copy_text([
            (i.external_id, i.key, i.title, i.type_raw, i.flow_type.value, i.status_raw, i.status_category.value,
             i.created_at, i.updated_at, i.resolved_at) for i in items]))
        cursor.copy_expert("COPY bench_copy_transition FROM STDIN", _copy_text([
            (i.external_id, t.external_id, t.at, t.from_status, t.to_status, t.to_category.value)
            for i in items for t in i.transitions]))
    return time.perf_counter() - began


def ingest_page(items: list, *, replay: bool) -> float:
    began = time.perf_counter()
    result = records_ingest(connection=None, source="jira", records=items)
    seconds = time.perf_counter() - began
    assert (result.changed == 0) if replay else (result.created == len(items)), result
    return seconds


def _backend_cpu_ns() -> int | None:
    """CPU time the connection's PostgreSQL backend has used so far (None: not on this machine)."""
    try:
        with open(f"/proc/{connection.connection.get_backend_pid()}/schedstat") as stat:
            return int(stat.read().split()[0])
    except OSError:
        return None


def timed(step) -> tuple[float, float | None]:
    """Wall seconds of ``step()`` and CPU seconds of this process and its backend together."""
    connection.ensure_connection()
    backend, own = _backend_cpu_ns(), time.process_time_ns()
    wall = step()
    own = time.process_time_ns() - own
    after = _backend_cpu_ns()
    return wall, None if backend is None or after is None else (own + after - backend) / 1e9


def measure(*, pages: int, page_size: int) -> None:
    org = Organization.objects.create(name="Bench", slug="bench")
    began = time.perf_counter()
    parsed = [jira.parse_search(page) for page in search_pages(pages, page_size)]
    parse_seconds = time.perf_counter() - began
    records = sum(len(items) for items in parsed)
    transitions = sum(len(i.transitions) for items in parsed for i in items)
    copy_tables()
    # Page by page, each ingest beside a COPY of the same page: both see the same moment of a
    # shared machine, so the ratio holds when the machine's load changes during the run.
    wall = {"new": 0.0, "copy_new": 0.0, "replay": 0.0, "copy_replay": 0.0}
    cpu: dict[str, float | None] = dict.fromkeys(wall, 0.0)
    with tenant_context(org):
        for step in ("new", "replay"):
            for items in parsed:
                for name, run in ((step, functools.partial(ingest_page, items, replay=step == "replay")),
                                  (f"copy_{step}", functools.partial(copy_page, items))):
                    seconds, used = timed(run)
                    wall[name] += seconds
                    cpu[name] = None if used is None or cpu[name] is None else cpu[name] + used
    print(f"\n{pages} Jira search pages of {page_size} issues: {records} work items, {transitions} transitions")
    print(f"parse (connectors.jira.parse_search): {parse_seconds:.2f} s, {records / parse_seconds:.0f} records/s")
    print(f"{'step':<44}{'wall s':>8}{'records/s':>11}{'/ COPY':>8}{'CPU s':>8}{'/ COPY':>8}")
    for label, step, baseline in [("records_ingest, new rows", "new", "copy_new"),
                                  ("  baseline: COPY, each page beside it", "copy_new", "copy_new"),
                                  ("records_ingest, replay (all unchanged)", "replay", "copy_replay"),
                                  ("  baseline: COPY, each page beside it", "copy_replay", "copy_replay")]:
        used = "" if cpu[step] is None else f"{cpu[step]:>8.2f}{cpu[step] / cpu[baseline]:>8.1f}"
        print(f"{label:<44}{wall[step]:>8.2f}{records / wall[step]:>11.0f}{wall[step] / wall[baseline]:>8.1f}{used}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--page-size", type=int, default=50)
    args = parser.parse_args(argv)
    connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        measure(pages=args.pages, page_size=args.page_size)
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
