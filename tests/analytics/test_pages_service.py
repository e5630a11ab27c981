"""A service's analytics page: its DORA numbers (the API's), deployments timeline, lead time
distribution and incidents; linked from the catalog; another tenant's service is a 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.analytics.pages_support import History

PAGE = "/o/acme/analytics/services/payments-api/"
API = "/api/v1/orgs/acme/metrics/dora/"


@pytest.fixture
def history(org_a, org_b):
    other = History(org_b, service_slug="globex-api")
    other.service.name = "CANARY-B service"
    other.deploy(2)
    other.derive()

    h = History(org_a)
    h.deploy(1, lead_hours=0.5)
    h.deploy(3, status="failed", lead_hours=None)
    h.incident(h.deploy(5, lead_hours=50), number="INC0042", title="Checkout down")
    h.deploy(8, status="rolled_back", lead_hours=800)
    h.deploy(9, service=h.add_service("ledger"))
    h.derive()
    return h


@pytest.mark.django_db
def test_service_page_shows_its_dora_numbers_from_the_api(client_a, history):
    response = client_a.get(f"{PAGE}?window=30")
    window = response.context["report"]["window"]
    api = client_a.get(f"{API}?from={window['from']}&to={window['to']}&service=payments-api").json()

    assert response.status_code == 200
    assert response.context["report"] == {**api, "series": response.context["report"]["series"]}
    # Days 1, 5 and 8 reached production; day 3 failed before it went live.
    assert api["deployment_frequency"]["deployments"] == 3


@pytest.mark.django_db
def test_service_page_draws_timeline_histogram_and_lists_incidents(client_a, history):
    response = client_a.get(f"{PAGE}?window=30")
    html = response.content.decode()

    assert response.context["timeline_count"] == 4
    assert "Failed (never live)" in html and "Rolled back" in html and "Caused an incident" in html
    buckets = {b["label"]: b["changes"] for b in response.context["buckets"]}
    assert buckets == {"< 1 h": 1, "1–4 h": 0, "4–24 h": 0, "1–3 d": 1, "3–7 d": 0, "7–30 d": 0, "≥ 30 d": 1}
    assert sum(buckets.values()) == response.context["report"]["change_lead_time"]["changes"]
    assert "INC0042" in html and "Checkout down" in html
    assert html.count("data-plotly=") >= 3
    assert "CANARY-B" not in html


@pytest.mark.django_db
def test_service_page_of_a_quiet_service_explains(client_a, history):
    today = timezone.localdate()
    response = client_a.get(f"/o/acme/analytics/services/ledger/?from={today - timedelta(days=6)}&to={today}")
    html = response.content.decode()

    assert response.status_code == 200
    assert 'data-testid="analytics-empty"' in html
    assert "No deployments of this service in the window." in html
    assert "No incidents of Ledger opened in the window" in html


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["nope", "globex-api"])
def test_unknown_or_foreign_service_is_404(client_a, history, key):
    assert client_a.get(f"/o/acme/analytics/services/{key}/").status_code == 404


@pytest.mark.django_db
def test_foreign_service_id_is_404(client_a, history, org_b, in_org):
    with in_org(org_b):
        foreign_id = type(history.service).objects.get(slug="globex-api").pk
    assert client_a.get(f"/o/acme/analytics/services/{foreign_id}/").status_code == 404


@pytest.mark.django_db
def test_service_page_by_id(client_a, history):
    assert client_a.get(f"/o/acme/analytics/services/{history.service.pk}/").status_code == 200


@pytest.mark.django_db
def test_the_catalog_links_the_services_analytics(client_a, history):
    html = client_a.get("/o/acme/catalog/services/payments-api/").content.decode()

    assert f'href="{PAGE}" data-testid="service-analytics"' in html


@pytest.mark.django_db
def test_incidents_paginate(client_a, history):
    deployment = history.deploy(4)
    for n in range(25):
        history.incident(deployment, number=f"INC9{n:03d}")
    history.derive()

    first = client_a.get(f"{PAGE}?window=30")
    second = client_a.get(f"{PAGE}?window=30&page=2")

    assert len(first.context["page_obj"]) == 20 and len(second.context["page_obj"]) == 6
