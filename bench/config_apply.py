"""Planning and applying a configuration file of about 1,000 objects, against writing the same
objects through the apps' services directly, measured in the same run.

    .venv/bin/python bench/config_apply.py [--scale 1]

Creates a throwaway database (migrated, with row-level security, as the application role), builds
a file (scale 1: 40 value streams, 40 teams of 3 people, 400 services, 20 environment groups,
300 environments, 30 release templates, 100 freeze windows, 30 slot windows, 40 value stream maps;
1,000 objects), and times, each in a fresh organization:
- baseline: the same objects written by calling the services directly (no file, no plan);
- plan of the file against an empty organization (parse, check, diff, every change tried and
  rolled back);
- apply to an empty organization (the same, committed, with the change set and managed marks);
- plan again after the apply (nothing to change: parse, check, read and compare);
- export (read everything, write YAML);
- apply of the file with 10% of the objects edited.
Not a test: absolute numbers depend on the machine; the ratios against the baseline are what to
compare between runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vsm.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402

from orgconfig.export import export_yaml  # noqa: E402
from orgconfig.kinds import KINDS, Refs, normalized  # noqa: E402
from orgconfig.services import config_apply, config_plan  # noqa: E402
from orgconfig.spec import SECTIONS  # noqa: E402
from orgconfig.yamlfile import dump  # noqa: E402
from vsm.accounts.models import User  # noqa: E402
from vsm.tenancy.actor import Actor  # noqa: E402
from vsm.tenancy.context import tenant_context  # noqa: E402
from vsm.tenancy.models import Membership, Organization  # noqa: E402
from vsm.tenancy.roles import Role  # noqa: E402

BENCH_DATABASE = "bench_config"
TIERS = ["development", "test", "integration", "uat", "staging", "production"]


def document(scale: int, people: list[str]) -> dict:
    streams = [{"slug": f"stream-{n}", "name": f"Stream {n}"} for n in range(40 * scale)]
    teams = [{"slug": f"team-{n}", "name": f"Team {n}", "members": [
        {"email": people[(n + k) % len(people)], "role": "manager" if k == 0 else "member"} for k in range(3)]}
        for n in range(40 * scale)]
    services = [{"slug": f"svc-{n}", "name": f"Service {n}", "value_stream": f"stream-{n % len(streams)}",
                 "team": f"team-{n % len(teams)}"} for n in range(400 * scale)]
    groups = [{"slug": f"group-{n}", "name": f"Group {n}"} for n in range(20 * scale)]
    environments = [{"slug": f"env-{n}", "name": f"Environment {n}", "tier": TIERS[n % len(TIERS)],
                     "value_stream": f"stream-{n % len(streams)}", "owning_team": f"team-{n % len(teams)}",
                     "group": f"group-{n % len(groups)}", "capacity": 1 + n % 3} for n in range(300 * scale)]
    criteria = [{"title": "QA sign-off", "type": "manual", "signer_role": "approver"},
                {"title": "Build green", "type": "automated", "rule": "ci_result_reported",
                 "params": {"name": "build", "subject_from_context": "release_version"}}]
    templates = [{"name": f"Template {n}", "phases": [
        {"name": name, "tier": tier, "entry_criteria": criteria[1:], "exit_criteria": criteria[:1]}
        for name, tier in (("SIT", "integration"), ("UAT", "uat"), ("Production", "production"))]}
        for n in range(30 * scale)]
    freezes = [{"name": f"Freeze {n}", "scope": "environments", "environments": [f"env-{n % len(environments)}"],
                "starts_at": f"2027-01-{1 + n % 28:02d}T18:00:00+01:00",
                "ends_at": f"2027-01-{1 + n % 28:02d}T22:00:00+01:00",
                "rrule": "FREQ=WEEKLY" if n % 2 else "", "time_zone": "Europe/Berlin"} for n in range(100 * scale)]
    slots = [{"name": f"Slot {n}", "capacity": 2, "starts_at": "2027-01-05T18:00:00+01:00",
              "ends_at": "2027-01-05T22:00:00+01:00", "rrule": "FREQ=WEEKLY;BYDAY=TU", "time_zone": "Europe/Berlin"}
             for n in range(30 * scale)]
    maps = [{"value_stream": stream["slug"], "stages": [
        {"name": "Coding", "start_event": "work_started", "end_event": "pr_opened"},
        {"name": "Release", "start_event": "pr_merged", "end_event": "production_deploy"}]} for stream in streams]
    return {"version": 1, "value_streams": streams, "teams": teams, "services": services,
            "environment_groups": groups, "environments": environments, "release_templates": templates,
            "freeze_windows": freezes, "release_slot_windows": slots, "value_stream_maps": maps}


def organization(slug: str, people: list[User]) -> tuple[Organization, Actor]:
    org = Organization.objects.create(name=slug, slug=slug, time_zone="Europe/Berlin")
    with tenant_context(org):
        for user in people:
            Membership.objects.create(user=user, role=Role.OWNER)
    return org, Actor(role=Role.OWNER, user=people[0])


def timed(org: Organization, work) -> float:
    with tenant_context(org):
        started = time.perf_counter()
        work()
        return time.perf_counter() - started


def direct(actor: Actor, doc: dict) -> None:
    """The baseline: every object through its kind's service call, no file, no plan."""
    refs = Refs()
    for section in SECTIONS:
        for item in doc.get(section.name) or []:
            KINDS[section.name].create(actor, normalized(section, item), refs)
        refs.forget(section.name)


def edited(doc: dict) -> dict:
    """A tenth of the objects changed (names, capacities, a stage)."""
    for index, item in enumerate(doc["services"]):
        if index % 10 == 0:
            item["name"] += " (renamed)"
    for index, item in enumerate(doc["environments"]):
        if index % 10 == 0:
            item["capacity"] = 4
    for index, item in enumerate(doc["freeze_windows"]):
        if index % 10 == 0:
            item["rrule"] = "FREQ=WEEKLY;BYDAY=SA"
    return doc


def measure(scale: int) -> list[tuple[str, float, int]]:
    people = [User.objects.create_user(email=f"person{n}@bench.test", password=None) for n in range(12)]
    doc = document(scale, [p.email for p in people])
    objects = sum(len(doc[section.name]) for section in SECTIONS if section.many and section.name in doc)
    data = dump(doc)
    rows: list[tuple[str, float, int]] = []
    org, actor = organization("base", people)
    rows.append(("baseline: services called directly", timed(org, lambda: direct(actor, doc)), objects))
    org, actor = organization("target", people)
    plans: list = []
    rows.append(("plan against an empty organization",
                 timed(org, lambda: plans.append(config_plan(actor=actor, data=data))), len(plans[-1])))
    rows.append(("apply to an empty organization",
                 timed(org, lambda: plans.append(config_apply(actor=actor, data=data)[1])), len(plans[-1])))
    rows.append(("plan after the apply (no changes)",
                 timed(org, lambda: plans.append(config_plan(actor=actor, data=data))), len(plans[-1])))
    rows.append(("export", timed(org, export_yaml), objects))
    changed = dump(edited(doc))
    rows.append(("apply with 10% of the objects edited",
                 timed(org, lambda: plans.append(config_apply(actor=actor, data=changed)[1])), len(plans[-1])))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=1, help="1: about 1,000 objects")
    args = parser.parse_args(argv)
    connection.settings_dict["TEST"]["NAME"] = BENCH_DATABASE
    original = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        rows = measure(args.scale)
    finally:
        connection.creation.destroy_test_db(original, verbosity=0)
    baseline = rows[0][1]
    print(f"{'operation':<40}{'seconds':>9}{'objects/changes':>17}{'/ baseline':>12}")
    for label, seconds, count in rows:
        print(f"{label:<40}{seconds:>9.2f}{count:>17}{seconds / baseline:>12.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
