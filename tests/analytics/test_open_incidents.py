"""Open incidents (unresolved, attributed to a production deployment) with their age and
severity on the organization's home, the dashboards and a service's page."""

from __future__ import annotations

import re

import pytest

from tests.analytics.pages_support import History
from tests.integrations.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incidents(org_a, org_b):
    history = History(org_a)
    deployment = history.deploy(3)
    history.incident(deployment, resolved_after_hours=None, number="INC-1", title="Checkout down", severity=1)
    history.incident(deployment, resolved_after_hours=2, number="INC-2", title="Was slow, fixed", severity=2)
    history.derive()
    # Open, but attributed to no deployment.
    IncidentFactory(organization=org_a, service=history.service, number="INC-3", title="Noise", severity=3,
                    resolved_at=None, status="open")
    theirs = History(org_b, service_slug="their-api")
    theirs.incident(theirs.deploy(2), resolved_after_hours=None, number="INC-B", title="CANARY-B", severity=1)
    theirs.derive()
    return history


def _panel(body: str) -> str:
    return body.split('data-testid="open-incidents"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("url", ["/o/acme/", "/o/acme/analytics/?window=30",
                                 "/o/acme/analytics/value-streams/payments/?window=30",
                                 "/o/acme/analytics/services/payments-api/?window=30"])
def test_open_incidents_show_with_age_and_severity(client_a, incidents, url):
    response = client_a.get(url)
    assert response.status_code == 200
    panel = _panel(response.content.decode())
    assert "INC-1 Checkout down" in panel and "Sev 1" in panel
    # Opened at 13:00 three days ago: between two and three days, whatever the time of day.
    assert re.search(r'data-testid="incident-age"><span title="opened [^"]+">[23]\xa0days', panel)
    assert "INC-2" not in panel and "INC-3" not in panel and "CANARY-B" not in panel


def test_the_dashboard_shows_only_its_scopes_incidents(client_a, incidents):
    other = incidents.add_service("ledger")
    incidents.incident(incidents.deploy(1, service=other), resolved_after_hours=None, number="INC-9", severity=4)
    incidents.derive()
    panel = _panel(client_a.get("/o/acme/analytics/services/payments-api/?window=30").content.decode())
    assert "INC-1" in panel and "INC-9" not in panel
    assert "Sev 4" in _panel(client_a.get("/o/acme/").content.decode())
