"""The DORA breakdown (metrics/dora/breakdown/ and its page): each group's row is exactly the
report filtered to that group, every group of the scope is listed, worst first on the page."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from analytics.dora.selectors import dora_breakdown, dora_breakdowns, dora_report, dora_reports
from analytics.dora.services import dora_rollups_rebuild
from analytics.query import metric_query_parse
from tests.analytics.dora_support import History, golden, utc
from tests.factories import ServiceFactory, TeamFactory, ValueStreamFactory
from vsm.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db
WINDOW = {"from": "2026-03-02", "to": "2026-03-15"}
BLOCKS = ("deployment_frequency", "change_lead_time", "change_failure_rate", "failed_deployment_recovery_time",
          "deployment_rework_rate")


@pytest.fixture
def estate(org_a, org_b):
    """The golden checkout service (3 failures in 6), search (2 deployments, none failed, one a
    hotfix), ledger (never deployed) in another team and value stream, and a service in neither;
    the other organization's too."""
    golden(org_b)
    payments, platform = (TeamFactory(organization=org_a, name=name, slug=name.lower())
                          for name in ("Payments", "Platform"))
    shop, core = (ValueStreamFactory(organization=org_a, name=name, slug=name.lower()) for name in ("Shop", "Core"))
    checkout_history, _ = golden(org_a)
    checkout = checkout_history.service
    checkout.name, checkout.team, checkout.value_stream = "Checkout", payments, shop
    with tenant_context(org_a):
        checkout.save()
    search = History(org_a, slug="search", name="Search", team=payments, value_stream=shop)
    search.commit("s1", utc(3, 6, 9))
    search.deploy(utc(3, 6, 12), "s1")
    search.deploy(utc(3, 9, 12), "s1", kind="hotfix")
    search.derive()
    ServiceFactory(organization=org_a, slug="ledger", name="Ledger", team=platform, value_stream=core)
    ServiceFactory(organization=org_a, slug="loose", name="Loose", team=None, value_stream=None)
    return org_a


def _query(org, **params):
    data = QueryDict(mutable=True)
    data.update({**WINDOW, **params})
    return metric_query_parse(params=data, org=org)


@pytest.mark.parametrize("use_rollups", [False, True])
@pytest.mark.parametrize(("by", "scope"), [("service", {}), ("team", {}), ("value_stream", {}),
                                           ("service", {"team": "payments"}), ("team", {"value_stream": "core"})])
def test_each_row_is_the_report_filtered_to_its_group(estate, by, scope, use_rollups):
    with tenant_context(estate):
        if use_rollups:
            dora_rollups_rebuild()
        rows = dora_breakdown(query=_query(estate, **scope), by=by, use_rollups=use_rollups)
        assert rows, "every group of the scope is listed"
        for row in rows:
            alone = dora_report(query=_query(estate, **scope, **{by: row["key"]}), use_rollups=use_rollups)
            assert {key: row[key] for key in BLOCKS} == {key: alone[key] for key in BLOCKS}, row["key"]


def test_groups_are_listed_by_name_with_or_without_deployments(estate):
    with tenant_context(estate):
        by_service = dora_breakdown(query=_query(estate), by="service")
        by_team = dora_breakdown(query=_query(estate), by="team")
    assert [row["key"] for row in by_service] == ["checkout", "ledger", "loose", "search"]
    assert [row["name"] for row in by_team] == ["Payments", "Platform"]
    checkout = by_service[0]
    assert checkout["change_failure_rate"]["failed_deployments"] == 3
    assert by_service[1]["deployment_frequency"]["deployments"] == 0
    assert by_team[0]["deployment_frequency"]["deployments"] == 6 + 2


def test_one_statement_for_every_group(estate, django_assert_max_num_queries):
    with tenant_context(estate), django_assert_max_num_queries(6):
        dora_breakdown(query=_query(estate), by="service")


@pytest.mark.parametrize("use_rollups", [False, True])
def test_windows_computed_together_equal_each_computed_alone(estate, use_rollups, django_assert_max_num_queries):
    """A dashboard's window with its weekly series and the previous window, and a breakdown's two
    windows, in one statement each: the same numbers as one report per window."""
    weeks = _query(estate, interval="week")
    earlier = _query(estate, **{"from": "2026-02-16", "to": "2026-03-01"})  # also overlapping: any windows
    overlapping = _query(estate, **{"from": "2026-03-01", "to": "2026-03-08"})
    with tenant_context(estate):
        if use_rollups:
            dora_rollups_rebuild()
        with django_assert_max_num_queries(2):  # the rollup state, the statement
            together = dora_reports(queries=[weeks, earlier, overlapping], use_rollups=use_rollups)
        assert together == [dora_report(query=q, use_rollups=use_rollups) for q in (weeks, earlier, overlapping)]
        assert together[0]["series"] and together[0]["deployment_frequency"]["deployments"] == 8
        for by in ("service", "team"):
            assert dora_breakdowns(queries=[weeks, earlier], by=by, use_rollups=use_rollups) == [
                dora_breakdown(query=q, by=by, use_rollups=use_rollups) for q in (weeks, earlier)]


BASE = "/api/v1/orgs/acme/metrics/dora/breakdown/"


def test_api_answers_the_breakdown_and_csv(estate, api_a):
    response = api_a.get(BASE, {**WINDOW, "by": "service"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["by"], body["from"], body["to"]) == ("service", "2026-03-02", "2026-03-15")
    assert [row["key"] for row in body["results"]] == ["checkout", "ledger", "loose", "search"]
    assert set(body["results"][0]) == {"key", "name", *BLOCKS}
    csv = api_a.get(BASE, {**WINDOW, "by": "team", "format": "csv"})
    lines = csv.content.decode().splitlines()
    assert csv["Content-Type"].startswith("text/csv") and len(lines) == 3
    assert "change_failure_rate.rate" in lines[0]


@pytest.mark.parametrize(("params", "field"), [({}, "by"), ({"by": "owner"}, "by"), ({"by": "team", "team": "x"},
                                                                                       "team")])
def test_api_names_bad_parameters(estate, api_a, params, field):
    response = api_a.get(BASE, {**WINDOW, **params})
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


PAGE = "/o/acme/analytics/dora/breakdown/"


def test_page_ranks_worst_first_and_links_to_the_failures(estate, client_a, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        response = client_a.get(PAGE, {**WINDOW, "window": "custom"})
    assert response.status_code == 200
    rows = response.context["rows"]
    # Checkout fails 3 of 6, search none of 2, the rest never deployed.
    assert [row["key"] for row in rows] == ["checkout", "search", "ledger", "loose"]
    failure = rows[0]["cells"][2]
    assert failure["metric"].key == "change_failure_rate"
    assert "service=checkout" in failure["drill"] and "counted=true" in failure["drill"]
    assert rows[0]["url"].startswith("/o/acme/analytics/services/checkout/")
    best = client_a.get(PAGE, {**WINDOW, "window": "custom", "sort": "change_failure_rate", "dir": "best"})
    assert [row["key"] for row in best.context["rows"]][:2] == ["search", "checkout"]


def test_page_refuses_bad_choices(estate, client_a):
    response = client_a.get(PAGE, {"by": "owner"})
    assert response.status_code == 400 and "by:" in response.content.decode()
    assert client_a.get(PAGE, {"sort": "speed"}).status_code == 400
