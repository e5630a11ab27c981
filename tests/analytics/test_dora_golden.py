"""Golden scenarios: every DORA number of a small history, worked out by hand (tests/analytics/
dora_support.py builds the history; the arithmetic is in the comments)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.analytics.dora_support import History, golden, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(org_a, org_b):
    # Org B deploys the same days: none of it may show in org A's numbers.
    golden(org_b)
    return golden(org_a)[0]


def test_two_full_weeks(history):
    report = history.report(date(2026, 3, 2), date(2026, 3, 15))
    assert report["window"] == {"from": "2026-03-02", "to": "2026-03-15", "days": 14, "time_zone": "UTC"}
    # Production deployments: D1, D3, D4 (rolled back still reached production), D5, D6, D7 = 6;
    # D2 failed before going live and the staging deployment is not production.
    # Days: 03-02, 03-03, 03-04 (D4 and D5), 03-05, 03-10 = 5. Weeks: 4 and 1 -> median 2.5 (high).
    assert report["deployment_frequency"] == {
        "deployments": 6, "deployment_days": 5, "per_day": pytest.approx(6 / 14),
        "median_deployment_days_per_week": 2.5, "median_deployment_days_per_month": 5.0, "level": "high"}
    # c1 26 h and c2 4 h (D1 at 03-02 12:00 is the first deployment: all commits up to c2),
    # c3 6 h (D3), c4 2 h (D4; its redeploy D6 does not count again), c6 2 h (D7);
    # c5 is listed by D6 which finished 2 h before c5's commit time: dropped.
    # Sorted 2, 2, 4, 6, 26: median 4; p90 = 6 + 0.6 * (26 - 6) = 18 (rank 0.9 * 4 = 3.6).
    assert report["change_lead_time"] == {"median_hours": 4.0, "p90_hours": pytest.approx(18.0), "changes": 5,
                                          "level": "elite"}
    # Failed: D3 (INC1 named it, INC2 by time), D4 (status rolled back and D5 rolls it back),
    # D7 (INC3 by time, 49 h after it). 3 / 6 = 50 %: low.
    assert report["change_failure_rate"] == {"rate": 0.5, "failed_deployments": 3, "deployments": 6, "level": "low"}
    # D3: INC2 resolved last, 03-04 01:00 - 03-03 15:00 = 10 h. D4: no incident, next production
    # deployment D5 one hour later = 1 h. D7: INC3 unresolved -> open. Median of 1, 10 = 5.5: high.
    assert report["failed_deployment_recovery_time"] == {"median_hours": 5.5, "recovered": 2, "open": 1,
                                                         "level": "high"}
    # D5 (rollback) and D6 (hotfix) of 6.
    assert report["deployment_rework_rate"] == {"rate": pytest.approx(2 / 6), "rework_deployments": 2,
                                                "deployments": 6}
    assert report["series"] == []


def test_weekly_series(history):
    series = history.report(date(2026, 3, 2), date(2026, 3, 15), interval="week")["series"]
    assert [(p["period_start"], p["days"]) for p in series] == [("2026-03-02", 7), ("2026-03-09", 7)]
    first, second = series
    # Week 1: D1, D3, D4, D5, D6 on 4 days; changes c1 26, c2 4, c3 6, c4 2: sorted 2, 4, 6, 26,
    # median 5, p90 = 6 + 0.7 * 20 = 20 (rank 0.9 * 3 = 2.7); failed D3, D4: 2 / 5; recovered
    # 10 h and 1 h: median 5.5; rework D5, D6.
    assert first["deployment_frequency"]["deployments"] == 5
    assert first["deployment_frequency"]["median_deployment_days_per_week"] == 4
    assert first["change_lead_time"] == {"median_hours": 5.0, "p90_hours": pytest.approx(20.0), "changes": 4,
                                         "level": "elite"}
    assert first["change_failure_rate"]["rate"] == pytest.approx(0.4)
    assert first["failed_deployment_recovery_time"] == {"median_hours": 5.5, "recovered": 2, "open": 0,
                                                        "level": "high"}
    assert first["deployment_rework_rate"]["rework_deployments"] == 2
    # Week 2: D7 alone, on one day (weekly median 1: high); c6 2 h; D7 failed and still open.
    assert second["deployment_frequency"] == {
        "deployments": 1, "deployment_days": 1, "per_day": pytest.approx(1 / 7),
        "median_deployment_days_per_week": 1.0, "median_deployment_days_per_month": 1.0, "level": "high"}
    assert second["change_lead_time"] == {"median_hours": 2.0, "p90_hours": 2.0, "changes": 1, "level": "elite"}
    assert second["change_failure_rate"] == {"rate": 1.0, "failed_deployments": 1, "deployments": 1, "level": "low"}
    assert second["failed_deployment_recovery_time"] == {"median_hours": None, "recovered": 0, "open": 1,
                                                         "level": None}


def test_window_cut_mid_week(history):
    # Wednesday 03-04 to Tuesday 03-10: D4, D5 (03-04), D6 (03-05), D7 (03-10) = 4 on 3 days.
    # The first week counts only 03-04..03-08 (2 deployment days), the second 03-09..03-10 (1):
    # median 1.5 -> high. Changes: c4 2 h, c6 2 h. Failed: D4 and D7 of 4. Recovered: D4 in 1 h
    # (not < 1 h, so high); D7 open. Rework: D5, D6 of 4.
    report = history.report(date(2026, 3, 4), date(2026, 3, 10))
    assert report["deployment_frequency"] == {
        "deployments": 4, "deployment_days": 3, "per_day": pytest.approx(4 / 7),
        "median_deployment_days_per_week": 1.5, "median_deployment_days_per_month": 3.0, "level": "high"}
    assert report["change_lead_time"] == {"median_hours": 2.0, "p90_hours": 2.0, "changes": 2, "level": "elite"}
    assert report["change_failure_rate"] == {"rate": 0.5, "failed_deployments": 2, "deployments": 4, "level": "low"}
    assert report["failed_deployment_recovery_time"] == {"median_hours": 1.0, "recovered": 1, "open": 1,
                                                         "level": "high"}
    assert report["deployment_rework_rate"] == {"rate": 0.5, "rework_deployments": 2, "deployments": 4}


def test_empty_window(history):
    report = history.report(date(2026, 1, 1), date(2026, 1, 31), interval="month")
    assert report["deployment_frequency"] == {
        "deployments": 0, "deployment_days": 0, "per_day": 0.0, "median_deployment_days_per_week": 0.0,
        "median_deployment_days_per_month": 0.0, "level": None}
    assert report["change_lead_time"] == {"median_hours": None, "p90_hours": None, "changes": 0, "level": None}
    assert report["change_failure_rate"] == {"rate": None, "failed_deployments": 0, "deployments": 0, "level": None}
    assert report["failed_deployment_recovery_time"] == {"median_hours": None, "recovered": 0, "open": 0,
                                                         "level": None}
    assert report["deployment_rework_rate"] == {"rate": None, "rework_deployments": 0, "deployments": 0}
    assert [p["period_start"] for p in report["series"]] == ["2026-01-01"]


@pytest.mark.parametrize(("scope", "deployments"), [
    ({"service": "checkout"}, 6),
    ({"service": "other"}, 1),
    ({"value_stream": "other-stream"}, 1),
])
def test_scope(history, org_a, scope, deployments):
    other = History(org_a, slug="other", value_stream__slug="other-stream")
    other.deploy(utc(3, 3, 12))
    other.derive()
    report = history.report(date(2026, 3, 2), date(2026, 3, 15), **scope)
    assert report["deployment_frequency"]["deployments"] == deployments
    whole = history.report(date(2026, 3, 2), date(2026, 3, 15))
    assert whole["deployment_frequency"]["deployments"] == 7  # both services


def test_dst_change_in_a_non_utc_organization(org_a, org_b):
    org_a.time_zone = "Europe/Berlin"
    org_a.save()
    h = History(org_a)
    # Berlin moves from UTC+1 to UTC+2 on Sunday 2026-03-29, a 23-hour day.
    h.deploy(utc(3, 28, 22, 30))  # 03-28 23:30 CET: Saturday
    h.deploy(utc(3, 28, 23, 30))  # 03-29 00:30 CET: Sunday
    h.deploy(utc(3, 29, 21, 30))  # 03-29 23:30 CEST: Sunday
    h.deploy(utc(3, 29, 22, 30))  # 03-30 00:30 CEST: Monday
    h.derive()
    sunday = h.report(date(2026, 3, 29), date(2026, 3, 29))
    assert sunday["window"]["time_zone"] == "Europe/Berlin"
    assert sunday["deployment_frequency"]["deployments"] == 2
    days = h.report(date(2026, 3, 28), date(2026, 3, 30), interval="day")["series"]
    assert [(p["period_start"], p["deployment_frequency"]["deployments"]) for p in days] == [
        ("2026-03-28", 1), ("2026-03-29", 2), ("2026-03-30", 1)]
    # Weeks start Monday in Berlin: Saturday and Sunday are one week (2 days), Monday the next (1).
    assert h.report(date(2026, 3, 28), date(2026, 3, 30))["deployment_frequency"][
        "median_deployment_days_per_week"] == 1.5
