from __future__ import annotations

import pytest

from tests.factories import ServiceFactory, TeamFactory, ValueStreamFactory
from vsm.tenancy.roles import Role


@pytest.fixture
def rows_b(org_b):
    """Org B's catalog, with the very slugs the tests use in org A: same names, other tenant."""
    stream = ValueStreamFactory(organization=org_b, name="CANARY-B stream", slug="payments")
    team = TeamFactory(organization=org_b, name="CANARY-B team", slug="checkout")
    service = ServiceFactory(organization=org_b, name="CANARY-B service", slug="payments-api",
                             value_stream=stream, team=team)
    return {"value_stream": stream, "team": team, "service": service}


@pytest.fixture
def api_viewer_a(org_a, token_client):
    return token_client(org_a, role=Role.VIEWER, name="viewer")


@pytest.fixture
def stream_a(org_a):
    return ValueStreamFactory(organization=org_a, name="Payments", slug="payments")


@pytest.fixture
def team_a(org_a):
    return TeamFactory(organization=org_a, name="Checkout", slug="checkout")
