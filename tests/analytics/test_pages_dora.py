"""The DORA dashboards and drill-down pages: the same numbers as the metrics API, levels and
trends, filters, empty states, drill-downs with why each record counted, query counts that do
not grow with the data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.dora.tiles import METRIC_KEYS, trend
from tests.analytics.pages_support import History
from vsm.tenancy.roles import Role

DASHBOARD = "/o/acme/analytics/"
RECORDS = "/o/acme/analytics/dora/records/"
API = "/api/v1/orgs/acme/metrics/dora/"
HEADLINE = {"deployment_frequency": "per_day", "change_lead_time": "median_hours", "change_failure_rate": "rate",
            "failed_deployment_recovery_time": "median_hours", "deployment_rework_rate": "rate"}
TILE = re.compile(r'data-testid="tile-(?P<metric>[a-z_]+)".*?data-value="(?P<value>[^"]*)"', re.S)


@pytest.fixture
def history(org_a, org_b):
    """Org A: Payments API deploys 6 times in the last 30 days (one caused an incident resolved
    3 hours after it, one rolled back, one hotfix), Ledger twice, and there were two deployments
    in the 30 days before. Org B has a canary service with the same slugs."""
    other = History(org_b)
    other.service.name = "CANARY-B service"
    other.deploy(3)
    other.derive()

    h = History(org_a)
    ledger = h.add_service("ledger")
    for days_ago in (1, 4, 9):
        h.deploy(days_ago)
    h.incident(h.deploy(12, lead_hours=30), resolved_after_hours=2)
    h.deploy(15, status="rolled_back")
    h.deploy(20, kind="hotfix", lead_hours=1)
    h.deploy(2, service=ledger, lead_hours=200)
    h.deploy(6, service=ledger)
    h.deploy(35)
    h.deploy(50)
    h.derive()
    h.ledger = ledger
    return h


def tile_values(html: str) -> dict[str, str]:
    return {m["metric"]: m["value"] for m in TILE.finditer(html)}


def window_of(response) -> tuple[str, str]:
    window = response.context["report"]["window"]
    return window["from"], window["to"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["window=30", "window=90", "window=30&value_stream=payments",
                                   "window=30&service=ledger", "window=30&team=checkout"])
def test_the_page_shows_the_apis_numbers(client_a, history, query):
    page = client_a.get(f"{DASHBOARD}?{query}")
    assert page.status_code == 200
    start, end = window_of(page)
    scope = "&".join(part for part in query.split("&") if not part.startswith("window="))
    api = client_a.get(f"{API}?from={start}&to={end}&{scope}", HTTP_ACCEPT="application/json").json()

    shown = tile_values(page.content.decode())
    assert set(shown) == set(METRIC_KEYS)
    for metric, field in HEADLINE.items():
        expected = api[metric][field]
        assert (shown[metric] == "" if expected is None else float(shown[metric]) == pytest.approx(expected)), metric
    assert page.context["report"] == {**api, "series": page.context["report"]["series"]}
    assert "CANARY-B" not in page.content.decode()


@pytest.mark.django_db
def test_tiles_show_levels_counts_and_link_to_their_drill_down(client_a, history):
    response = client_a.get(f"{DASHBOARD}?window=30")
    html = response.content.decode()
    report = response.context["report"]

    for tile in response.context["tiles"]:
        key = tile["metric"].key
        assert f"metric={key}" in tile["drill"] and f"from={report['window']['from']}" in tile["drill"]
        assert tile["drill"].replace("&", "&amp;") in html
        if tile["level"]:
            assert f'<span class="badge {tile["level"]}"' in html
    frequency = report["deployment_frequency"]
    assert f"{frequency['deployments']} deployments</a> on {frequency['deployment_days']} days" in html
    assert frequency["deployments"] == 8


@pytest.mark.django_db
def test_trends_compare_with_the_window_just_before(client_a, history):
    response = client_a.get(f"{DASHBOARD}?window=30")
    tiles = {tile["metric"].key: tile for tile in response.context["tiles"]}
    before = client_a.get(f"{API}?from={(timezone.localdate() - timedelta(days=59)).isoformat()}"
                          f"&to={(timezone.localdate() - timedelta(days=30)).isoformat()}").json()

    frequency = tiles["deployment_frequency"]
    # 8 deployments in the last 30 days against 2 in the 30 before: up, and up is good.
    assert frequency["trend"]["previous"] == pytest.approx(before["deployment_frequency"]["per_day"])
    assert frequency["trend"]["direction"] == "up" and frequency["trend"]["good"] is True
    assert frequency["trend"]["change"] == pytest.approx(3.0)  # 8/30 against 2/30: +300 %
    assert "▲ +300 %" in response.content.decode()


@pytest.mark.parametrize(("current", "previous", "higher_is_better", "expected"), [
    (10, 5, True, {"direction": "up", "change": 1.0, "good": True, "previous": 5}),
    (10, 5, False, {"direction": "up", "change": 1.0, "good": False, "previous": 5}),
    (4, 8, False, {"direction": "down", "change": -0.5, "good": True, "previous": 8}),
    (1.01, 1.0, True, {"direction": "steady", "change": 0.0, "good": None, "previous": 1.0}),
    (3, 0, True, {"direction": "up", "change": None, "good": True, "previous": 0}),
    (None, 4, True, None),
    (4, None, True, None),
])
def test_trend(current, previous, higher_is_better, expected):
    assert trend(current, previous, higher_is_better=higher_is_better) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "days", "interval"), [
    ("", 90, "week"), ("window=30", 30, "day"), ("window=180", 180, "week"), ("window=365", 365, "week"),
    ("window=30&interval=month", 30, "month"),
])
def test_window_presets_and_the_series_interval(client_a, history, query, days, interval):
    response = client_a.get(f"{DASHBOARD}?{query}")

    assert response.status_code == 200
    assert response.context["report"]["window"]["days"] == days
    assert response.context["filters"].query.interval == interval
    assert f"{days} days" in response.content.decode()


@pytest.mark.django_db
def test_a_custom_window(client_a, history):
    today = timezone.localdate()
    start, end = today - timedelta(days=13), today - timedelta(days=7)

    response = client_a.get(f"{DASHBOARD}?from={start.isoformat()}&to={end.isoformat()}")

    assert response.context["filters"].window == "custom"
    assert response.context["report"]["window"] == {**response.context["report"]["window"],
                                                    "from": start.isoformat(), "to": end.isoformat(), "days": 7}
    # Days 9 and 12 (Payments API) fall inside.
    assert response.context["report"]["deployment_frequency"]["deployments"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "field"), [
    ("window=custom&from=yesterday", "from"),
    ("window=custom&from=2025-03-10&to=2025-03-01", "from"),
    ("value_stream=nope", "value_stream"),
    ("service=nope", "service"),
    ("window=30&interval=fortnight", "interval"),
    ("window=custom&to=9999-12-31", "to"),
    ("window=custom&from=1899-12-31&to=1900-01-02", "from"),
    ("team=a%00b", "team"),
])
def test_bad_filters_say_which_field(client_a, history, query, field):
    response = client_a.get(f"{DASHBOARD}?{query}")

    assert response.status_code == 400
    assert field in response.context["filters"].errors
    assert 'data-testid="filter-errors"' in response.content.decode()


@pytest.mark.django_db
def test_another_tenants_value_stream_is_unknown_here(client_a, org_b, history):
    # Org B has a value stream "payments" too; org A's is the one that counts.
    response = client_a.get(f"{DASHBOARD}?window=30&value_stream=payments")
    assert response.context["report"]["deployment_frequency"]["deployments"] == 6


@pytest.mark.django_db
def test_the_empty_state_says_what_is_missing(client_a, org_a):
    response = client_a.get(DASHBOARD)
    html = response.content.decode()

    assert response.status_code == 200
    assert 'data-testid="analytics-empty"' in html and 'data-testid="dora-tiles"' not in html
    assert 'href="/o/acme/integrations/"' in html and 'href="/api/docs/"' in html
    assert 'href="/o/acme/environments/"' in html


@pytest.mark.django_db
def test_charts_load_plotly_from_our_static_files(client_a, history):
    html = client_a.get(f"{DASHBOARD}?window=30").content.decode()

    assert html.count('<script src="/static/vendor/plotly.min.js"') == 1
    assert html.count("data-plotly=") >= 5  # the series and the speed/stability chart
    assert 'data-testid="correlation"' in html


@pytest.mark.django_db
def test_pages_without_charts_do_not_load_plotly(client_a, history):
    for url in ("/o/acme/catalog/services/", f"{RECORDS}?metric=change_lead_time&window=30"):
        assert "plotly.min.js" not in client_a.get(url).content.decode()


@pytest.mark.django_db
def test_htmx_filter_change_answers_the_page_it_swaps_from(client_a, history):
    response = client_a.get(f"{DASHBOARD}?window=30", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert 'id="analytics-main"' in response.content.decode()


@pytest.mark.django_db
def test_period_table_links_each_number_to_that_periods_drill_down(client_a, history):
    response = client_a.get(f"{DASHBOARD}?window=30&interval=week")
    periods = response.context["periods"]

    assert periods[0]["from"].isoformat() == response.context["report"]["window"]["from"]
    assert periods[-1]["to"].isoformat() == response.context["report"]["window"]["to"]
    assert all(p["to"] + timedelta(days=1) == q["from"] for p, q in zip(periods, periods[1:], strict=False))
    assert f"from={periods[1]['from'].isoformat()}&amp;to={periods[1]['to'].isoformat()}" in \
        response.content.decode()
    assert sum(p["entry"]["deployment_frequency"]["deployments"] for p in periods) == 8


# --- value stream dashboard -----------------------------------------------------------------

@pytest.mark.django_db
def test_value_stream_dashboard_counts_only_the_stream(client_a, history):
    response = client_a.get("/o/acme/analytics/value-streams/payments/?window=30")
    api = client_a.get(f"{API}?from={window_of(response)[0]}&to={window_of(response)[1]}&value_stream=payments")

    assert response.status_code == 200
    assert response.context["report"]["deployment_frequency"] == api.json()["deployment_frequency"]
    assert response.context["report"]["deployment_frequency"]["deployments"] == 6
    html = response.content.decode()
    assert 'href="/o/acme/analytics/services/payments-api/"' in html
    assert 'href="/o/acme/analytics/services/ledger/"' not in html


@pytest.mark.django_db
def test_the_org_dashboard_links_each_value_stream(client_a, history):
    html = client_a.get(DASHBOARD).content.decode()

    assert 'href="/o/acme/analytics/value-streams/payments/"' in html


@pytest.mark.django_db
@pytest.mark.parametrize("slug", ["nope", "globex-only"])
def test_unknown_value_stream_is_404(client_a, history, org_b, slug):
    from tests.factories import ValueStreamFactory

    ValueStreamFactory(organization=org_b, slug="globex-only")
    assert client_a.get(f"/o/acme/analytics/value-streams/{slug}/").status_code == 404


# --- drill-down -----------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("metric", METRIC_KEYS)
def test_drill_down_lists_the_apis_records_with_why(client_a, history, metric):
    response = client_a.get(f"{RECORDS}?metric={metric}&window=30")
    start, end = window_of_records(response)
    api = client_a.get(f"{API}records/?metric={metric}&from={start}&to={end}").json()
    api_rows = api["results"] if isinstance(api, dict) else api

    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == (api["count"] if isinstance(api, dict) else len(api_rows))
    html = response.content.decode()
    for row in api_rows:
        assert str(row["why"]) in html
    assert 'data-testid="csv-link"' in html and "format=csv" in response.context["csv_url"]
    assert response.context["csv_url"].startswith(f"{API}records/?")
    assert "page=1&page_size=50" in response.context["csv_url"]  # the rows shown, not the API's default page


@pytest.mark.django_db
def test_drill_down_shows_failures_as_failures_and_filters_them(client_a, history):
    response = client_a.get(f"{RECORDS}?metric=change_failure_rate&window=30&counted=true")
    html = response.content.decode()
    rows = response.context["table"]
    assert response.status_code == 200 and rows and all(row["counted"] for row in rows)
    assert html.count('<span class="badge bad">failed</span>') == len(rows) and ">counted<" not in html
    links = {label: current for label, current, _ in response.context["counted_links"]}
    assert links == {"All": False, "Failed only": True, "Not failed only": False}
    # The why comes right after the verdict, before the long columns.
    assert html.index("<th>Why</th>") < html.index("<th>commit sha</th>")


@pytest.mark.django_db
def test_drill_down_shows_short_shas_with_a_copy_button(client_a, history):
    response = client_a.get(f"{RECORDS}?metric=change_lead_time&window=30")
    html = response.content.decode()
    sha = next(value for row in response.context["table"] for column, value in row["cells"] if column == "sha")
    assert len(sha) == 40
    assert f'<code title="{sha}">{sha[:8]}</code>' in html and f'data-copy="{sha}"' in html
    assert client_a.get(f"{RECORDS}?metric=change_lead_time&counted=perhaps").status_code == 400


def window_of_records(response) -> tuple[str, str]:
    query = response.context["filters"].query
    return query.window_from.isoformat(), query.window_to.isoformat()


@pytest.mark.django_db
def test_drill_down_paginates(client_a, history):
    for days_ago in range(1, 61):
        history.deploy(days_ago % 25 + 1, lead_hours=None)
    history.derive()

    first = client_a.get(f"{RECORDS}?metric=deployment_frequency&window=30")
    second = client_a.get(f"{RECORDS}?metric=deployment_frequency&window=30&page=2")

    assert first.context["page_obj"].paginator.count == 68
    assert len(first.context["table"]) == 50 and len(second.context["table"]) == 18
    assert "Page 1 of 2" in first.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "metric=speed", "metric=change_lead_time&from=soon&window=custom"])
def test_drill_down_refuses_bad_input(client_a, history, query):
    response = client_a.get(f"{RECORDS}?{query}")

    assert response.status_code == 400
    assert 'data-testid="filter-errors"' in response.content.decode()


@pytest.mark.django_db
def test_drill_down_of_an_empty_window_explains(client_a, org_a):
    response = client_a.get(f"{RECORDS}?metric=change_failure_rate")

    assert response.status_code == 200
    assert "Nothing counted for this metric" in response.content.decode()


# --- who may see, navigation, query counts --------------------------------------------------

@pytest.mark.django_db
def test_a_viewer_sees_the_dashboard_and_the_nav_links_it(client, member_factory, history):
    client.force_login(member_factory(Role.VIEWER))

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert '<a href="/o/acme/analytics/" aria-current="page">Analytics</a>' in response.content.decode()


# What a page may spend, at any data size. Each page pays 10 for the session, the user, the
# organization and membership, the organization switcher and the unread count; the numbers cost 1 to 3
# more (rollup check, service scope, one aggregate for the window, its series and the window before,
# which the tiles' trends need). See the report in bench/README.md (analytics pages). The dashboards and the
# service page read the metric goals (one query) and the open incidents (one query).
QUERY_BUDGET = {
    f"{DASHBOARD}?window=365": 11,
    "/o/acme/analytics/value-streams/payments/?window=365": 14,
    f"{RECORDS}?metric=change_failure_rate&window=365": 13,
    # Beyond the value stream dashboard's 14: the service page adds its timeline, histogram and a
    # page of incidents.
    "/o/acme/analytics/services/payments-api/?window=365": 17,
}


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "budget"), QUERY_BUDGET.items())
def test_query_counts_do_not_grow_with_the_data(client_a, history, django_assert_max_num_queries, url, budget):
    with django_assert_max_num_queries(budget) as small:
        assert client_a.get(url).status_code == 200
    for days_ago in range(1, 300):
        deployment = history.deploy(days_ago, service=history.ledger if days_ago % 2 else history.service)
        if days_ago % 7 == 0:
            history.incident(deployment)
    history.add_service("billing")
    history.derive()
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client_a.get(url).status_code == 200
