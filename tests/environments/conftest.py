from __future__ import annotations

import pytest

from environments.services import _common
from tests.environments.factories import EnvironmentFactory


@pytest.fixture(autouse=True)
def outbox(monkeypatch):
    """Notifications the environments services send, as the keyword arguments of notify()."""
    sent: list[dict] = []
    monkeypatch.setattr(_common, "_deliver", lambda **message: sent.append(message))
    return sent


# Organization A on Europe/Berlin with its SIT 1 (and B's look-alike), and signing in as a
# member of any role: the page tests' world.
@pytest.fixture
def berlin(org_a):
    org_a.time_zone = "Europe/Berlin"
    org_a.save()
    return org_a


@pytest.fixture
def env(berlin, org_a, org_b):
    EnvironmentFactory(organization=org_b, slug="sit-1", name="CANARY-B sit")
    return EnvironmentFactory(organization=org_a, name="SIT 1", slug="sit-1", tier="integration")


@pytest.fixture
def login(client, member_factory):
    def as_role(role: str, email: str | None = None):
        user = member_factory(role, email=email)
        client.force_login(user)
        client.user = user
        return client
    return as_role
