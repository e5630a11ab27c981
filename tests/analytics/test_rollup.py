"""The rollups agree with the raw computation, also after incremental refreshes."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from analytics.dora.selectors import dora_report
from analytics.dora.services import dora_rollups_rebuild
from analytics.models import DoraDay, DoraRollupState
from analytics.query import metric_query_parse
from integrations.derivation import delivery_derive
from tests.analytics.dora_support import History, golden, utc
from vsm.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db

WINDOWS = [
    {"from": "2026-03-02", "to": "2026-03-15", "interval": "week"},
    {"from": "2026-02-20", "to": "2026-04-10", "interval": "day"},
    {"from": "2026-03-04", "to": "2026-03-10", "interval": "month"},
]


def both_paths(org, params: dict) -> tuple[dict, dict]:
    with tenant_context(org):
        query = metric_query_parse(params=params, org=org)
        return dora_report(query=query, use_rollups=True), dora_report(query=query, use_rollups=False)


def rollup_rows(org) -> list[tuple]:
    with tenant_context(org):
        return sorted(DoraDay.objects.values_list("service_id", "day", "deployments", "failed", "rework",
                                                  "open_failures", "lead_time_hours", "recovery_hours"))


def random_history(org, rng: random.Random, *, services: int = 3) -> list[History]:
    """Deployments every few hours over two months, some failed, rolled back, hotfixes, incidents."""
    histories = []
    for s in range(services):
        h = History(org, slug=f"random-{s}")
        at = utc(2, 20)
        previous = None
        for n in range(40):
            at += timedelta(hours=rng.randint(2, 60))
            h.commit(f"r{s}x{n}", at - timedelta(hours=rng.randint(-3, 90)))
            status = rng.choice(["succeeded"] * 6 + ["failed", "rolled_back"])
            kind = rng.choice(["normal"] * 6 + ["hotfix"])
            rollback = previous if previous is not None and rng.random() < 0.1 else None
            deployment = h.deploy(at, f"r{s}x{n}", status=status, kind="rollback" if rollback else kind,
                                  rollback_of=rollback)
            if rng.random() < 0.2:
                opened = at + timedelta(hours=rng.randint(1, 200))
                h.incident(opened, opened + timedelta(hours=rng.randint(1, 30)) if rng.random() < 0.8 else None)
            previous = deployment
        histories.append(h)
    return histories


@pytest.mark.parametrize("params", WINDOWS)
@pytest.mark.parametrize("time_zone", ["UTC", "America/New_York"])
def test_rollups_agree_with_raw(org_a, org_b, params, time_zone):
    org_a.time_zone = time_zone
    org_a.save()
    golden(org_b)
    golden(org_a)
    for h in random_history(org_a, random.Random(7)):
        h.derive()
    with tenant_context(org_a):
        assert DoraRollupState.objects.get().time_zone == time_zone
    rollups, raw = both_paths(org_a, params)
    assert _close(rollups, raw)
    assert rollups["deployment_frequency"]["deployments"] > 0


def _close(a, b) -> bool:
    """Equal, floats to 1e-9 (arrays stored as float8 round-trip exactly; sums may not)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) < 1e-9
    return a == b


def test_incremental_refresh_equals_a_rebuild(org_a, org_b):
    histories = random_history(org_a, random.Random(11))
    for h in histories:
        h.derive()
    h = histories[0]
    # Late records: an incident on an old deployment, a newer deployment, a resolution.
    h.commit("late", utc(4, 20))
    h.deploy(utc(4, 21), "late", status="rolled_back")
    h.incident(utc(4, 21, 5), utc(4, 22))
    with tenant_context(org_a):
        delivery_derive(service_id=h.service.pk, since=utc(4, 20))
    incremental = rollup_rows(org_a)
    with tenant_context(org_a):
        dora_rollups_rebuild()
    assert rollup_rows(org_a) == incremental


def test_time_zone_change_falls_back_to_raw_until_rebuilt(org_a, org_b):
    h, _ = golden(org_a)
    org_a.time_zone = "Asia/Tokyo"
    org_a.save()
    with tenant_context(org_a):
        query = metric_query_parse(params={"from": "2026-03-02", "to": "2026-03-15"}, org=org_a)
        stale = dora_report(query=query)
        raw = dora_report(query=query, use_rollups=False)
    assert stale == raw
    h.derive()  # the next derivation rebuilds in the new time zone
    with tenant_context(org_a):
        assert DoraRollupState.objects.get().time_zone == "Asia/Tokyo"
    rollups, raw = both_paths(org_a, {"from": "2026-03-02", "to": "2026-03-15"})
    assert _close(rollups, raw)


def test_series_sums_to_the_window(org_a, org_b):
    for h in random_history(org_a, random.Random(3), services=2):
        h.derive()
    with tenant_context(org_a):
        report = dora_report(query=metric_query_parse(
            params={"from": "2026-02-20", "to": (date(2026, 2, 20) + timedelta(days=59)).isoformat(),
                    "interval": "week"}, org=org_a))
    for block, key in [("deployment_frequency", "deployments"), ("change_lead_time", "changes"),
                       ("change_failure_rate", "failed_deployments"), ("failed_deployment_recovery_time", "open")]:
        assert sum(p[block][key] for p in report["series"]) == report[block][key]
