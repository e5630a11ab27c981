"""The flow page and its drill-down: numbers, links, empty state, bad input, query counts."""

from __future__ import annotations

import pytest

from tests.analytics.test_flow_api import _items

PAGE = "/o/acme/analytics/flow/"
WINDOW = "from=2024-03-04&to=2024-03-12"


def test_empty_state_explains_what_is_missing(client_a, org_b):
    _items(org_b, 2)
    response = client_a.get(f"{PAGE}?{WINDOW}")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="flow-empty"' in body and "/o/acme/integrations/" in body
    assert "CANARY" not in body


def test_numbers_link_to_their_drill_down(client_a, org_a):
    _items(org_a, 3)
    body = client_a.get(f"{PAGE}?{WINDOW}").content.decode()
    assert 'data-testid="flow-empty"' not in body
    assert "/o/acme/analytics/flow/records/?from=2024-03-04&amp;to=2024-03-12&amp;metric=velocity" in body
    assert "Bottleneck: <strong>Blocked</strong>" in body
    assert "vendor/plotly" in body


@pytest.mark.parametrize("metric", ["velocity", "load", "waits", "booking_decisions", "deployment_holds"])
def test_drill_down(client_a, org_a, metric):
    _items(org_a, 3)
    response = client_a.get(f"{PAGE}records/?{WINDOW}&metric={metric}")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="row-count"' in body and "format=csv" in body


@pytest.mark.parametrize("query", ["from=yesterday", "flow_type=epic", f"{WINDOW}&metric=speed",
                                   f"{WINDOW}&metric=waits&status=a%00b", "from=0001-01-01&to=0001-01-02"])
def test_bad_input_is_shown_not_a_500(client_a, query):
    assert client_a.get(f"{PAGE}records/?{query}").status_code == 400


def test_page_query_count_does_not_grow_with_the_data(client_a, org_a, assert_max_queries):
    _items(org_a, 2)
    with assert_max_queries(20) as few:
        assert client_a.get(f"{PAGE}?{WINDOW}").status_code == 200
    _items(org_a, 30)
    with assert_max_queries(len(few.captured_queries)):
        assert client_a.get(f"{PAGE}?{WINDOW}").status_code == 200
    with assert_max_queries(20):
        assert client_a.get(f"{PAGE}records/?{WINDOW}&metric=efficiency").status_code == 200
