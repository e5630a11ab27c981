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


# Organization A on Europe/Berlin with its SIT 1 (and B's look-alike): the page tests' world
# (they sign in with the `login` fixture of tests/conftest.py).
@pytest.fixture
def env(berlin, org_a, org_b):
    EnvironmentFactory(organization=org_b, slug="sit-1", name="CANARY-B sit")
    return EnvironmentFactory(organization=org_a, name="SIT 1", slug="sit-1", tier="integration")
