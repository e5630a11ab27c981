"""The value stream map API: the map, the items behind its numbers, errors naming the parameter
and a number of queries that does not grow with the data."""

from __future__ import annotations

import pytest

from tests.analytics.test_vsm_pages import _more_items
from tests.analytics.vsm_support import golden_history

BASE = "/api/v1/orgs/acme/metrics/value-stream-map/"
WINDOW = "from=2024-03-04&to=2024-03-12"


@pytest.fixture
def golden(org_a, org_b):
    golden_history(org_b)
    return golden_history(org_a)


def test_the_map(api_a, golden):
    response = api_a.get(f"{BASE}?{WINDOW}&value_stream=payments")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [s["median_hours"] for s in body["stages"]] == [14.0, 34.0, 9.5, 16.5, 18.0]
    assert body["totals"]["flow_efficiency"] == 0.4783
    assert body["stages_from"] == "built_in" and body["window"]["from"] == "2024-03-04"


@pytest.mark.parametrize(("query", "keys"), [("stage=4", ["ABC-1", "ABC-2"]), ("event=production_deploy",
                                                                              ["ABC-1", "ABC-2"])])
def test_records(api_a, golden, query, keys):
    response = api_a.get(f"{BASE}records/?{WINDOW}&{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(keys) and [r["key"] for r in body["results"]] == keys
    assert all(r["why"] for r in body["results"])


@pytest.mark.parametrize(("query", "field"), [("from=2024-13-01", "from"), ("value_stream=nowhere", "value_stream"),
                                              ("stage=7", "stage"), ("event=lunch", "event"),
                                              ("stage=%C2%B2", "stage"), ("event=a%00b", "event"),
                                              ("to=9999-12-31", "to")])
def test_bad_input_names_the_parameter(api_a, query, field):
    path = f"{BASE}records/" if query.startswith(("stage", "event")) else BASE
    response = api_a.get(f"{path}?{query}")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_query_count_does_not_grow_with_the_data(api_a, org_a, golden, assert_max_queries):
    with assert_max_queries(20) as few:
        assert api_a.get(f"{BASE}?{WINDOW}").status_code == 200
    _more_items(org_a, golden, 20)
    with assert_max_queries(len(few.captured_queries)):
        assert api_a.get(f"{BASE}?{WINDOW}").json()["totals"]["items"] == 22
    with assert_max_queries(len(few.captured_queries) + 2):
        assert api_a.get(f"{BASE}records/?{WINDOW}&stage=0").json()["count"] == 22
