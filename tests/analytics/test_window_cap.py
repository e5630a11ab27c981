"""ANALYTICS_MAX_WINDOW_DAYS: every analytics endpoint and page refuses a longer window with 400
naming from and to (the window is parsed in one place, analytics.query.metric_query_parse)."""

from __future__ import annotations

import pytest

API = "/api/v1/orgs/acme/metrics/"
PAGES = "/o/acme/analytics/"
ENDPOINTS = ["dora/", "dora/records/?metric=deployment_frequency", "flow/", "flow/records/?metric=velocity",
             "value-stream-map/", "value-stream-map/records/"]
PAGE_PATHS = ["", "dora/records/?metric=deployment_frequency", "flow/", "flow/records/?metric=velocity",
              "value-stream-map/", "value-stream-map/records/"]
# 2023-01-01 to 2023-01-31 is 31 days; to 2023-02-01, 32.
INSIDE, BEYOND = "from=2023-01-01&to=2023-01-31", "from=2023-01-01&to=2023-02-01"


@pytest.fixture
def month_cap(settings):
    settings.ANALYTICS_MAX_WINDOW_DAYS = 31


def _with(path: str, window: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{window}"


@pytest.mark.parametrize("path", ENDPOINTS)
def test_api_refuses_a_window_beyond_the_cap_naming_from_and_to(api_a, month_cap, path):
    response = api_a.get(API + _with(path, BEYOND))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert set(error["fields"]) == {"from", "to"}
    assert "32 days" in error["message"] and "at most 31" in error["message"]
    assert error["details"] == {"max_window_days": 31}
    assert api_a.get(API + _with(path, INSIDE)).status_code == 200


@pytest.mark.parametrize("path", PAGE_PATHS)
def test_pages_show_the_refusal_next_to_from_and_to(client_a, month_cap, path):
    response = client_a.get(PAGES + _with(path, BEYOND))
    html = response.content.decode()
    assert response.status_code == 400
    assert 'data-testid="filter-errors"' in html
    assert "from: The window from 2023-01-01 to 2023-02-01 spans 32 days" in html
    assert "to: The window" in html
    inside = client_a.get(PAGES + _with(path, INSIDE))
    assert inside.status_code == 200 and 'data-testid="filter-errors"' not in inside.content.decode()


def test_the_default_cap_is_two_calendar_years(api_a):
    assert api_a.get(f"{API}flow/?from=2023-01-01&to=2024-12-31").status_code == 200  # 731 days
    response = api_a.get(f"{API}flow/?from=2023-01-01&to=2025-01-01")
    assert response.status_code == 400 and set(response.json()["error"]["fields"]) == {"from", "to"}
