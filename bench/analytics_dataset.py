"""A large delivery history for the analytics benchmarks, written with COPY (never ORM saves).

    .venv/bin/python bench/analytics_dataset.py [--deployments 1000000] [--services 200] [--keep]

Into its own database (``bench_analytics``, migrated, row-level security on, as the application
role): one organization (Europe/Berlin), 20 value streams, 200 services, two years of history
ending today: production deployments (about 4 % failed before going live, 3 % rolled back, 5 %
hotfixes, 2 % rollbacks naming the deployment before), three commits per deployment (found by
range: no deployment lists its commits) and one incident per ten deployments (a tenth name their
deployment, the rest are attributed by time; a fifth unresolved). Then delivery_derive for every
service, which builds the rollups. Prints how long each step took.

PostgreSQL refuses COPY FROM into a table with row-level security, so each table is copied into
a temporary table of the same shape and moved over with one INSERT ... SELECT.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vsm.settings.test")

import django

django.setup()

from django.db import connection, models  # noqa: E402
from django.utils import timezone  # noqa: E402

from environments.models import Environment, Tier  # noqa: E402
from integrations.derivation import delivery_derive  # noqa: E402
from integrations.models import Commit, Deployment, Incident  # noqa: E402
from vsm.catalog.models import Service, Team, ValueStream  # noqa: E402
from vsm.tenancy.context import tenant_context  # noqa: E402
from vsm.tenancy.models import Organization  # noqa: E402

BENCH_DATABASE = os.environ.get("BENCH_ANALYTICS_DATABASE", "bench_analytics")
ORG = "bench"
DAYS = 730
STREAMS = 20
NULL = "\\N"


def _cell(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, list):
        return "{" + ",".join(str(v) for v in value) + "}"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class Copy:
    """Rows of one model streamed to a temporary file, then COPYed in: ``write`` dicts of column
    values (missing columns take the field's default), ``finish`` to load them."""

    def __init__(self, model: type[models.Model], *, org_id: int, explicit_ids: bool = False):
        self.model = model
        fields = [f for f in model._meta.concrete_fields if explicit_ids or not f.primary_key]
        self.columns = [f.column for f in fields]
        self.defaults = {f.column: f.get_default() for f in fields}
        self.defaults["organization_id"] = org_id
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 (closed by finish)
        self.writer = csv.writer(self.file, lineterminator="\n")
        self.count = 0

    def write(self, row: dict) -> None:
        self.writer.writerow([_cell(row.get(c, self.defaults[c])) for c in self.columns])
        self.count += 1

    def finish(self) -> int:
        table = self.model._meta.db_table
        self.file.seek(0)
        columns = ", ".join(self.columns)
        with connection.cursor() as cursor:
            # Same columns, no constraints: the real table checks everything on INSERT.
            cursor.execute(f"CREATE TEMP TABLE stage AS SELECT {columns} FROM {table} WITH NO DATA")
            cursor.copy_expert(f"COPY stage ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')", self.file)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM stage")
            cursor.execute("DROP TABLE stage")
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        self.file.close()
        return self.count


def _next_id(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {model._meta.db_table}")
        return cursor.fetchone()[0]


class Generator:
    def __init__(self, *, org: Organization, services: list[Service], environment: Environment, per_service: int,
                 rng: random.Random):
        self.org, self.services, self.environment = org, services, environment
        self.per_service, self.rng = per_service, rng
        self.end = timezone.now().replace(microsecond=0)
        self.start = self.end - timedelta(days=DAYS)
        self.deployments = Copy(Deployment, org_id=org.pk, explicit_ids=True)  # incidents name them
        self.commits = Copy(Commit, org_id=org.pk)
        self.incidents = Copy(Incident, org_id=org.pk)

    def build(self) -> None:
        deployment_id = _next_id(Deployment)
        for service in self.services:
            deployment_id = self._service(service, deployment_id)

    def _service(self, service: Service, deployment_id: int) -> int:
        rng = self.rng
        span = DAYS * 86400
        moments = sorted(rng.randrange(span) for _ in range(self.per_service))
        previous_at = self.start - timedelta(hours=12)
        previous_id = None
        for n, offset in enumerate(moments):
            finished = self.start + timedelta(seconds=offset)
            shas = [f"{service.pk:08x}{n:08x}{k:024x}" for k in range(3)]
            for k, sha in enumerate(shas):
                lo = previous_at.timestamp()
                at = datetime.fromtimestamp(lo + (finished.timestamp() - lo) * (k + 1) / 4 - rng.randrange(3600),
                                            tz=finished.tzinfo)
                self.commits.write({"service_id": service.pk, "sha": sha, "source": "api",
                                     "external_id": f"{service.slug}@{sha}", "committed_at": at, "message": "Change",
                                     "first_seen_at": at, "last_seen_at": at})
            roll = rng.random()
            status = "failed" if roll < 0.04 else "rolled_back" if roll < 0.07 else "succeeded"
            kind_roll = rng.random()
            rollback = previous_id is not None and kind_roll < 0.02
            kind = "rollback" if rollback else "hotfix" if kind_roll < 0.07 else "normal"
            self.deployments.write({
                "id": deployment_id, "service_id": service.pk, "environment_id": self.environment.pk,
                "environment_name": self.environment.slug, "version": f"{n}.0", "commit_sha": shas[-1],
                "status": status, "kind": kind, "rollback_of_id": previous_id if rollback else None,
                "started_at": finished - timedelta(minutes=8), "finished_at": finished, "is_production": True,
                "source": "api", "external_id": f"{service.slug}-{n}", "first_seen_at": finished,
                "last_seen_at": finished})
            if rng.random() < 0.1:
                opened = finished + timedelta(minutes=rng.randrange(10, 60 * 72))
                resolved = opened + timedelta(minutes=rng.randrange(5, 60 * 48)) if rng.random() < 0.8 else None
                self.incidents.write({
                    "service_id": service.pk, "number": f"INC{self.incidents.count:07d}", "title": "Degraded",
                    "status": "resolved" if resolved else "open", "opened_at": opened, "resolved_at": resolved,
                    "caused_by_deployment_id": deployment_id if rng.random() < 0.1 else None,
                    "source": "api", "external_id": f"inc-{self.incidents.count}", "first_seen_at": opened,
                    "last_seen_at": resolved or opened})
            if status != "failed":
                previous_at, previous_id = finished, deployment_id
            deployment_id += 1
        return deployment_id


def organization(*, services: int) -> tuple[Organization, list[Service], Environment]:
    org = Organization.objects.create(name="Bench", slug=ORG, time_zone="Europe/Berlin")
    with tenant_context(org):
        streams = [ValueStream.objects.create(name=f"Stream {i}", slug=f"stream-{i}") for i in range(STREAMS)]
        teams = [Team.objects.create(name=f"Team {i}", slug=f"team-{i}") for i in range(STREAMS)]
        created = [Service.objects.create(name=f"Service {i}", slug=f"service-{i}", value_stream=streams[i % STREAMS],
                                          team=teams[i % STREAMS]) for i in range(services)]
        production = Environment.objects.create(name="Production", slug="prod", tier=Tier.PRODUCTION,
                                                is_production=True, is_bookable=False)
    return org, created, production


def fill(*, deployments: int, services: int, seed: int = 6) -> dict[str, float]:
    """Build the dataset in the current database; returns seconds per step."""
    timings: dict[str, float] = {}
    org, created, production = organization(services=services)
    clock = time.perf_counter()
    generator = Generator(org=org, services=created, environment=production, per_service=deployments // services,
                          rng=random.Random(seed))
    generator.build()
    timings["generate rows (CSV files)"] = time.perf_counter() - clock
    with tenant_context(org):
        for copy in (generator.deployments, generator.commits, generator.incidents):
            clock = time.perf_counter()
            count = copy.finish()
            timings[f"COPY {count:,} {copy.model._meta.verbose_name_plural}"] = time.perf_counter() - clock
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        clock = time.perf_counter()
        delivery_derive(service_id=created[0].pk)  # the first derivation also builds every rollup row
        timings["first delivery_derive (+ full rollup build)"] = time.perf_counter() - clock
        clock = time.perf_counter()
        for service in created[1:]:
            delivery_derive(service_id=service.pk)
        timings[f"delivery_derive of the other {services - 1} services"] = time.perf_counter() - clock
        clock = time.perf_counter()
        delivery_derive(service_id=created[0].pk, since=generator.end - timedelta(days=1))
        timings["delivery_derive of one service, since yesterday"] = time.perf_counter() - clock
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return timings


def use_bench_database(*, keep: bool) -> bool:
    """Point the connection at the bench database; create it unless `keep` and it holds the
    organization already. Returns whether it was (re)created."""
    connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
    if keep:
        connection.settings_dict["NAME"] = BENCH_DATABASE
        try:
            if Organization.objects.filter(slug=ORG).exists():
                return False
        except django.db.OperationalError:
            pass
        connection.close()
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deployments", type=int, default=1_000_000)
    parser.add_argument("--services", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="reuse an existing bench database")
    args = parser.parse_args(argv)
    if not use_bench_database(keep=args.keep):
        print(f"{BENCH_DATABASE} already holds the dataset")
        return 0
    for step, seconds in fill(deployments=args.deployments, services=args.services).items():
        print(f"{step:<55} {seconds:8.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
