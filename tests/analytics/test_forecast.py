"""The Monte Carlo forecast (analytics.flow.forecast): percentiles against distributions worked
out by hand, the history and open items it reads, the API and the page."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction
from math import comb

import numpy as np
import pytest
from django.http import QueryDict
from django.utils import timezone

from analytics.flow.forecast import HORIZON_DAYS, forecast_report, forecast_scope_parse, simulate
from tests.analytics.flow_support import item
from tests.factories import ServiceFactory
from tests.integrations.factories import WorkItemFactory
from tests.releases.factories import ReleaseFactory, ReleaseServiceFactory
from vsm.tenancy.context import tenant_context

RUNS = 100_000


def hand_percentile(cdf, percent: int) -> int:
    """The fewest days d with P(done within d days) >= percent %."""
    return next(d for d in range(1, 1000) if cdf(d) >= Fraction(percent, 100))


def done_within(days: int, *, needed: int, p: Fraction) -> Fraction:
    """P(at least `needed` successes in `days` daily draws that each do one item with
    probability p): the negative binomial's distribution function."""
    return sum((comb(days, k) * p**k * (1 - p) ** (days - k) for k in range(needed, days + 1)), Fraction(0))


@pytest.mark.parametrize("remaining", [1, 3, 5])
def test_percentiles_match_the_distribution_worked_out_by_hand(remaining):
    # A history of one idle day and two days with one item done: each future day does one item
    # with probability 2/3. For three items: P(done in 4 days) = 16/27 + ... (negative binomial).
    days = simulate(remaining, [0, 1, 1], runs=RUNS, rng=np.random.default_rng(7))
    for percent in (50, 85, 95):
        expected = hand_percentile(lambda d: done_within(d, needed=remaining, p=Fraction(2, 3)), percent)
        assert int(np.percentile(days, percent, method="inverted_cdf")) == expected, percent
    if remaining == 3:
        assert [hand_percentile(lambda d: done_within(d, needed=3, p=Fraction(2, 3)), q) for q in (50, 85, 95)] \
            == [4, 6, 7]


def test_a_steady_history_gives_one_date():
    assert set(simulate(10, [2, 2, 2], runs=1000).tolist()) == {5}
    assert set(simulate(11, [2, 2, 2], runs=1000).tolist()) == {6}


def test_nothing_done_or_nothing_open():
    assert set(simulate(4, [0, 0, 0], runs=50).tolist()) == {HORIZON_DAYS + 1}
    assert set(simulate(4, [], runs=50).tolist()) == {HORIZON_DAYS + 1}
    assert set(simulate(0, [1], runs=50).tolist()) == {0}


def test_a_run_longer_than_the_horizon_is_cut_off():
    # 1 item in 500 days on average, 50 items: almost every run needs decades.
    days = simulate(50, [1] + [0] * 499, runs=200, rng=np.random.default_rng(1))
    assert (days == HORIZON_DAYS + 1).mean() > 0.9


def _params(**values) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return data


def test_report_reads_the_scope_history_and_open_items(berlin, org_b):
    checkout, search = ServiceFactory(organization=berlin), ServiceFactory(organization=berlin)
    # 2024-03-10 23:30 UTC is the 11th in Berlin: the history counts it on the 11th.
    for resolved, service in [("03-10 23:30", checkout), ("03-11 09:00", checkout), ("03-12 09:00", checkout),
                              ("03-12 10:00", search)]:
        item(berlin, created="03-01 09:00", resolved=resolved, service=service,
             moves=[("03-02 08:00", "In Progress"), (resolved, "Done")])
    for _ in range(4):
        item(berlin, created="03-05 09:00", service=checkout, moves=[("03-06 08:00", "In Progress")])
    item(berlin, created="03-05 09:00", service=search)
    item(org_b, created="03-05 09:00")  # another organization's: never counted
    with tenant_context(berlin):
        scope = forecast_scope_parse(params=_params(service=str(checkout.pk)), org=berlin)
        report = forecast_report(scope, history_days=14, today=date(2024, 3, 13), runs=2000)
    assert report["remaining"] == 4
    per_day = {row["date"]: row["items"] for row in report["history"]["per_day"]}
    assert len(per_day) == 14 and report["history"]["to"] == date(2024, 3, 12)
    assert (per_day[date(2024, 3, 10)], per_day[date(2024, 3, 11)], per_day[date(2024, 3, 12)]) == (0, 2, 1)
    assert report["history"]["items"] == 3
    assert [row["percent"] for row in report["percentiles"]] == [50, 85, 95]
    dates = [row["date"] for row in report["percentiles"]]
    assert dates == sorted(dates) and dates[0] > date(2024, 3, 13)
    assert sum(row["runs"] for row in report["distribution"]) == 2000


def test_release_scope_counts_its_open_items_at_its_services_pace(org_a):
    checkout, other = ServiceFactory(organization=org_a), ServiceFactory(organization=org_a)
    release = ReleaseFactory(organization=org_a, version="4.2")
    ReleaseServiceFactory(organization=org_a, release=release, service=checkout)
    item(org_a, created="03-01 09:00", fix_versions=["4.2"], moves=[("03-02 08:00", "In Progress")])
    item(org_a, created="03-01 09:00", fix_versions=["4.2", "4.3"])
    item(org_a, created="03-01 09:00", fix_versions=["4.2"], resolved="03-03 10:00", service=checkout,
         moves=[("03-02 08:00", "In Progress"), ("03-03 10:00", "Done")])
    item(org_a, created="03-01 09:00", fix_versions=["4.3"])
    item(org_a, created="03-01 09:00", resolved="03-04 10:00", service=other,
         moves=[("03-02 08:00", "In Progress"), ("03-04 10:00", "Done")])
    with tenant_context(org_a):
        scope = forecast_scope_parse(params=_params(release=str(release.pk)), org=org_a)
        report = forecast_report(scope, history_days=14, today=date(2024, 3, 10), runs=500)
    assert report["remaining"] == 2
    assert report["history"]["items"] == 1  # the release's service only
    assert report["release"] == {"id": release.pk, "name": release.name, "version": "4.2"}


def test_no_history_gives_a_reason_not_dates(org_a):
    item(org_a, created="03-01 09:00")
    with tenant_context(org_a):
        report = forecast_report(forecast_scope_parse(params=_params(), org=org_a), today=date(2024, 3, 10))
    assert report["remaining"] == 1 and report["percentiles"] == [] and "Nothing was done" in report["reason"]


BASE = "/api/v1/orgs/acme/metrics/flow/forecast/"


def _recent_history(org, *, done: int, open_items: int):
    """`done` items done over the last 20 days and `open_items` still to do."""
    now = timezone.now()
    for n in range(done):
        finished = now - timedelta(days=1 + n % 20, hours=1)
        WorkItemFactory(organization=org, status_raw="Done", status_category="done",
                        created_at=finished - timedelta(days=3), resolved_at=finished)
    for _ in range(open_items):
        WorkItemFactory(organization=org, status_raw="To Do", status_category="todo", created_at=now)


def test_api_answers_the_forecast(org_a, api_a):
    _recent_history(org_a, done=10, open_items=6)
    response = api_a.get(BASE)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["remaining"] == 6
    assert body["history"]["items"] == 10 and body["history"]["days"] == 90
    assert [row["percent"] for row in body["percentiles"]] == [50, 85, 95]
    assert datetime.fromisoformat(body["percentiles"][0]["date"]).date() > timezone.localdate()
    assert body["assumptions"]


@pytest.mark.parametrize("query, field", [
    ("release=999999", "release"), ("release=abc", "release"), ("release=1&service=x", "release"),
    ("history_days=5", "history_days"), ("history_days=ten", "history_days"), ("service=nope", "service"),
    ("flow_type=epic", "flow_type"),
])
def test_bad_parameters_answer_400_naming_them(org_a, api_a, query, field):
    if query.startswith("release=1&"):
        ServiceFactory(organization=org_a, slug="x")
    response = api_a.get(f"{BASE}?{query}")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_another_organizations_release_is_unknown(org_a, org_b, api_a):
    theirs = ReleaseFactory(organization=org_b)
    response = api_a.get(f"{BASE}?release={theirs.pk}")
    assert response.status_code == 400 and "release" in response.json()["error"]["fields"]


def test_query_count_does_not_grow_with_the_data(org_a, api_a, client_a, assert_max_queries):
    _recent_history(org_a, done=4, open_items=2)
    for url in (BASE, "/o/acme/analytics/flow/forecast/"):
        client = api_a if url.startswith("/api/") else client_a
        with assert_max_queries(12) as few:
            assert client.get(url).status_code == 200
        count = len(few.captured_queries)
        _recent_history(org_a, done=30, open_items=20)
        with assert_max_queries(count):
            assert client.get(url).status_code == 200


def test_page_shows_dates_history_and_assumptions(org_a, client_a):
    _recent_history(org_a, done=10, open_items=3)
    release = ReleaseFactory(organization=org_a, version="9.9")
    response = client_a.get("/o/acme/analytics/flow/forecast/")
    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="forecast-85"' in text and "What the forecast assumes" in text
    assert "The history it used" in text and "10 items done" in text
    response = client_a.get(f"/o/acme/analytics/flow/forecast/?release={release.pk}")
    assert response.status_code == 200 and 'data-testid="forecast-empty"' in response.content.decode()
    response = client_a.get("/o/acme/analytics/flow/forecast/?history_days=3")
    assert response.status_code == 400 and "history_days" in response.content.decode()
