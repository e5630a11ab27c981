"""GET metrics/dora/ and metrics/dora/records/: the numbers of analytics.dora, JSON or CSV, 400s
naming the parameter, drill-downs that add up."""

from __future__ import annotations

import csv
import io

import pytest

from tests.analytics.dora_support import golden

pytestmark = pytest.mark.django_db
WINDOW = {"from": "2026-03-02", "to": "2026-03-15"}


@pytest.fixture
def deployments(org_a, org_b):
    golden(org_b)
    return golden(org_a)[1]


def url(path: str = "") -> str:
    return f"/api/v1/orgs/acme/metrics/dora/{path}"


def test_report(api_a, deployments):
    response = api_a.get(url(), {**WINDOW, "interval": "week", "service": "checkout"})
    assert response.status_code == 200
    body = response.json()
    assert body["deployment_frequency"]["deployments"] == 6
    assert body["change_failure_rate"]["failed_deployments"] == 3
    assert [p["period_start"] for p in body["series"]] == ["2026-03-02", "2026-03-09"]


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-13-01"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "2026-03-10", "to": "2026-03-01"}, "from"),
    ({"interval": "hour"}, "interval"),
    ({"service": "nope"}, "service"),
    ({"value_stream": "999999"}, "value_stream"),
    ({"team": "ghosts"}, "team"),
    # Python dates end at 9999-12-31 and begin at year 1: the window's end and the trend's
    # previous window must not run off either side.
    ({"from": "9999-12-31", "to": "9999-12-31"}, "to"),
    ({"from": "1899-12-31", "to": "1900-01-02"}, "from"),
    ({"service": "\u00b2"}, "service"),  # a digit to isdigit(), not to int()
    ({"team": "a\x00b"}, "team"),  # PostgreSQL refuses NUL in a comparison
    ({"interval": ["day", "week"]}, "interval"),
])
def test_bad_input_names_the_parameter(api_a, deployments, params, field):
    response = api_a.get(url(), params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_another_organizations_service_is_unknown(api_a, org_b, deployments):
    # Org B has a service "checkout" too, but the slug resolves in org A only; an id of B's is unknown.
    from integrations.models import Deployment
    from vsm.tenancy.context import tenant_context

    with tenant_context(org_b):
        b_service = Deployment.objects.values_list("service_id", flat=True).first()
    assert api_a.get(url(), {"service": str(b_service)}).status_code == 400


@pytest.mark.parametrize(("metric", "count", "counted"), [
    ("deployment_frequency", 6, 6),
    ("change_failure_rate", 6, 3),
    ("deployment_rework_rate", 6, 2),
    ("failed_deployment_recovery_time", 3, 2),
    ("change_lead_time", 6, 5),  # c1..c6 reached production; c5's negative span is not counted
])
def test_records_add_up_to_the_number(api_a, deployments, metric, count, counted):
    response = api_a.get(url("records/"), {**WINDOW, "metric": metric})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == count
    assert sum(row["counted"] for row in body["results"]) == counted
    assert all(row["why"] for row in body["results"])


@pytest.mark.parametrize(("metric", "counted", "not_counted"), [
    ("change_failure_rate", 3, 3), ("deployment_rework_rate", 2, 4), ("failed_deployment_recovery_time", 2, 1),
    ("change_lead_time", 5, 1), ("deployment_frequency", 6, 0),
])
def test_records_filtered_to_what_counts_or_not(api_a, deployments, metric, counted, not_counted):
    for value, expected in (("true", counted), ("false", not_counted)):
        body = api_a.get(url("records/"), {**WINDOW, "metric": metric, "counted": value}).json()
        assert body["count"] == expected == len(body["results"])
        assert {row["counted"] for row in body["results"]} <= {value == "true"}


def test_records_counted_must_be_true_or_false(api_a, deployments):
    response = api_a.get(url("records/"), {**WINDOW, "metric": "change_failure_rate", "counted": "maybe"})
    assert response.status_code == 400 and "counted" in response.json()["error"]["fields"]


def test_records_say_why(api_a, deployments):
    rows = api_a.get(url("records/"), {**WINDOW, "metric": "change_failure_rate"}).json()["results"]
    why = {row["deployment_id"]: row["why"] for row in rows}
    assert why[deployments["D3"].pk] == ("failed: incident INC1 names this deployment as its cause; "
                                         "incident INC2 was opened within the attribution window after it")
    assert why[deployments["D4"].pk] == f"failed: status rolled back; rolled back by deployment {deployments['D5'].pk}"
    assert why[deployments["D1"].pk] == "not failed: no rollback, no incident"
    recovery = api_a.get(url("records/"), {**WINDOW, "metric": "failed_deployment_recovery_time"}).json()["results"]
    assert {row["deployment_id"]: row["why"].split("; ")[-1] for row in recovery} == {
        deployments["D3"].pk: "recovered by last incident resolved (INC1, INC2)",
        deployments["D4"].pk: f"recovered by next production deployment {deployments['D5'].pk}",
        deployments["D7"].pk: "open: incident INC3 unresolved",
    }


def test_records_paginate_in_constant_queries(api_a, deployments, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        body = api_a.get(url("records/"), {**WINDOW, "metric": "deployment_frequency", "page_size": 2}).json()
    assert len(body["results"]) == 2 and body["count"] == 6 and body["next"]


@pytest.mark.parametrize("metric", ["", "velocity"])
def test_records_need_a_known_metric(api_a, deployments, metric):
    response = api_a.get(url("records/"), {**WINDOW, "metric": metric})
    assert response.status_code == 400
    assert "metric" in response.json()["error"]["fields"]


@pytest.mark.parametrize("how", [{"format": "csv"}, {"HTTP_ACCEPT": "text/csv"}])
def test_report_as_csv(api_a, deployments, how):
    params = {**WINDOW, "interval": "week", **({"format": "csv"} if "format" in how else {})}
    response = api_a.get(url(), params, **{k: v for k, v in how.items() if k != "format"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["period_start"] for row in rows] == ["", "2026-03-02", "2026-03-09"]
    assert rows[0]["deployment_frequency.deployments"] == "6"
    assert rows[0]["change_lead_time.median_hours"] == "4.0"


def test_records_as_csv(api_a, deployments):
    response = api_a.get(url("records/"), {**WINDOW, "metric": "change_failure_rate", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 6
    assert {row["counted"] for row in rows} == {"True", "False"}


@pytest.mark.parametrize(("path", "params"), [("", {"from": "bad"}), ("records/", {"metric": "speed"})])
def test_csv_errors_answer_json(api_a, deployments, path, params):
    response = api_a.get(url(path), {**params, "format": "csv"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == list(params)
