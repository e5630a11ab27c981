"""Does the deployments table need time partitioning at 10M rows? (docs/scaling.md)

    .venv/bin/python bench/deployments_table_size.py [--rows 10000000] [--small 1000000]

In a throwaway database, two tables shaped like integrations_deployment's hot part (the columns
and the indexes the DORA metrics and the deployment check read: organization first), one with
--small rows and one with --rows, spread over 10,000 organizations, 5 services each, 3 years.
Times, on each, the reads one organization makes (median of 200, a random organization each):
- the DORA window: production deployments of one organization over 90 days;
- the latest deployment of one service in one environment (what a check or a page reads);
then one month of retention on the large table as DELETE (what an unpartitioned table must do)
against the size of that month (what DROP of a monthly partition removes at once).
Prints a table and drops the database.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

import psycopg2

DATABASE = "bench_deployments_table_size"
ORGS, SERVICES, DAYS = 10_000, 5, 3 * 365

SCHEMA = """
CREATE TABLE {t} (id bigserial PRIMARY KEY, organization_id bigint NOT NULL, service_id bigint NOT NULL,
    environment_id bigint NOT NULL, is_production boolean NOT NULL, status varchar(16) NOT NULL,
    finished_at timestamptz NOT NULL, version varchar(120) NOT NULL, external_id varchar(255) NOT NULL);
INSERT INTO {t} (organization_id, service_id, environment_id, is_production, status, finished_at, version, external_id)
SELECT o, o * 10 + s, o * 10 + (g % 3), g % 3 = 0, CASE WHEN g % 20 = 0 THEN 'failed' ELSE 'succeeded' END,
       now() - (random() * {days}) * interval '1 day', '1.' || g, 'ext-' || g
FROM generate_series(1, {rows}) g, LATERAL (SELECT 1 + g % {orgs} AS o, g % {services} AS s) x;
CREATE INDEX ON {t} (organization_id, finished_at) WHERE is_production;
CREATE INDEX ON {t} (organization_id, environment_id, finished_at DESC);
CREATE INDEX ON {t} (organization_id, service_id, finished_at);
CREATE UNIQUE INDEX ON {t} (organization_id, external_id);
ANALYZE {t};
"""
WINDOW = ("SELECT count(*), count(*) FILTER (WHERE status = 'failed') FROM {t} "
          "WHERE organization_id = %s AND is_production AND finished_at >= now() - interval '90 days'")
LATEST = ("SELECT id, version FROM {t} WHERE organization_id = %s AND environment_id = %s "
          "ORDER BY finished_at DESC LIMIT 1")


def timed(cursor, sql: str, params_of, runs: int = 200) -> float:
    samples = []
    for _ in range(runs):
        params = params_of()
        began = time.perf_counter()
        cursor.execute(sql, params)
        cursor.fetchall()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--small", type=int, default=1_000_000)
    parser.add_argument("--url", default="postgresql://sluice@127.0.0.1:5432/sluice")
    args = parser.parse_args(argv)
    admin = psycopg2.connect(args.url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        cursor.execute(f"CREATE DATABASE {DATABASE}")
    try:
        db = psycopg2.connect(args.url.rsplit("/", 1)[0] + "/" + DATABASE)
        db.autocommit = True
        rows = []
        with db.cursor() as cursor:
            for table, count in (("small", args.small), ("large", args.rows)):
                began = time.perf_counter()
                cursor.execute(SCHEMA.format(t=table, rows=count, orgs=ORGS, services=SERVICES, days=DAYS))
                filled = time.perf_counter() - began
                cursor.execute(f"SELECT pg_total_relation_size('{table}')")
                size = cursor.fetchone()[0]
                org = lambda: (random.randint(1, ORGS),)  # noqa: E731
                env = lambda: (lambda o: (o, o * 10 + random.randint(0, 2)))(random.randint(1, ORGS))  # noqa: E731
                rows.append((table, count, size, filled, timed(cursor, WINDOW.format(t=table), org),
                             timed(cursor, LATEST.format(t=table), env)))
            cursor.execute("SELECT count(*) FROM large WHERE finished_at < now() - interval '1065 days'")
            month = cursor.fetchone()[0]
            began = time.perf_counter()
            cursor.execute("DELETE FROM large WHERE finished_at < now() - interval '1065 days'")
            deleted = time.perf_counter() - began
        print(f"\n{'table':<8}{'rows':>12}{'size MB':>10}{'fill s':>9}{'90-day window ms':>18}{'latest ms':>11}")
        for table, count, size, filled, window, latest in rows:
            print(f"{table:<8}{count:>12,}{size / 2**20:>10.0f}{filled:>9.0f}{window:>18.2f}{latest:>11.2f}")
        print(f"retention of the oldest month on the large table: DELETE of {month:,} rows took {deleted:.1f} s "
              "(a monthly partition would be dropped whole)")
        db.close()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        admin.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
