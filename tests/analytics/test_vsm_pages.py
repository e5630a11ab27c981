"""The value stream map page and its drill-down: numbers, links, empty states naming the missing
data, bad input, query counts that do not grow with the data."""

from __future__ import annotations

import pytest

from tests.analytics.flow_support import item
from tests.analytics.vsm_support import Delivery, golden_history

PAGE = "/o/acme/analytics/value-stream-map/"
WINDOW = "from=2024-03-04&to=2024-03-12"


def _more_items(org, delivery: Delivery, count: int, offset: int = 10):
    """`count` more items of the golden shape: a pull request, a test and a production deployment."""
    for n in range(offset, offset + count):
        key, sha = f"ABC-{n}", f"{n:040x}"
        item(org, created="03-03 09:00", key=key, service=delivery.service, fix_versions=["2.0"],
             resolved="03-08 08:00", moves=[("03-04 08:00", "In Progress"), ("03-05 09:00", "Blocked"),
                                            ("03-08 08:00", "Done")])
        delivery.pull_request(key, sha, "03-04 12:00", reviewed="03-04 14:00", merged="03-04 16:00")
        delivery.deploy("03-05 00:00", "03-05 01:00", [sha])
        delivery.deploy("03-07 10:00", "03-07 11:00", [sha], production=True)
    delivery.derive()


def test_the_map_shows_every_stage_with_links_to_its_items(client_a, org_a, org_b):
    golden_history(org_a)
    golden_history(org_b)
    response = client_a.get(f"{PAGE}?{WINDOW}")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="vsm-stage"') == 5
    assert "34.0 h" in body and "92.0 h" in body and "48 %" in body
    assert f"{PAGE}records/?from=2024-03-04&amp;to=2024-03-12&amp;stage=1" in body
    assert f"{PAGE}records/?from=2024-03-04&amp;to=2024-03-12&amp;stage=5" in body
    assert "vendor/plotly" in body and 'data-testid="vsm-missing"' not in body
    assert "CANARY" not in body


def test_empty_window_explains_what_is_missing(client_a, org_b):
    golden_history(org_b)
    body = client_a.get(f"{PAGE}?{WINDOW}").content.decode()
    assert 'data-testid="vsm-empty"' in body and "/o/acme/integrations/" in body
    assert "CANARY" not in body


def test_items_without_pull_requests_name_the_missing_events(client_a, org_a):
    item(org_a, created="03-01 09:00", resolved="03-06 12:00",
         moves=[("03-04 08:00", "In Progress"), ("03-06 12:00", "Done")])
    body = client_a.get(f"{PAGE}?{WINDOW}").content.decode()
    assert 'data-testid="vsm-missing"' in body
    assert "pull requests naming the work item&#x27;s key" in body and "/o/acme/integrations/" in body


@pytest.mark.parametrize(("query", "count"), [("stage=0", "2 items"), ("stage=5", "2 items"),
                                              ("event=gate_passed", "2 items"), ("", "2 items")])
def test_drill_down(client_a, org_a, query, count):
    golden_history(org_a)
    response = client_a.get(f"{PAGE}records/?{WINDOW}&{query}")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'data-testid="row-count">{count}<' in body and "ABC-1" in body


@pytest.mark.parametrize("query", ["from=yesterday", f"{WINDOW}&stage=9", f"{WINDOW}&stage=x",
                                   f"{WINDOW}&event=lunch", "value_stream=nowhere", f"{WINDOW}&stage=%C2%B2",
                                   "to=9999-12-31", "service=a%00b"])
def test_bad_input_is_shown_not_a_500(client_a, query):
    page = f"{PAGE}records/" if "stage" in query or "event" in query else PAGE
    response = client_a.get(f"{page}?{query}")
    assert response.status_code == 400
    assert 'data-testid="filter-errors"' in response.content.decode()


def test_query_count_does_not_grow_with_the_data(client_a, org_a, assert_max_queries):
    delivery = golden_history(org_a)
    with assert_max_queries(20) as few:
        assert client_a.get(f"{PAGE}?{WINDOW}").status_code == 200
    _more_items(org_a, delivery, 30)
    with assert_max_queries(len(few.captured_queries)):
        body = client_a.get(f"{PAGE}?{WINDOW}").content.decode()
    assert 'data-testid="items-count">32<' in body
    with assert_max_queries(20):
        assert client_a.get(f"{PAGE}records/?{WINDOW}&stage=1").status_code == 200
