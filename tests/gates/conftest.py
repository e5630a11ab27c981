from __future__ import annotations

import pytest

from gates.rules import registry
from tests.gates.factories import CriterionFactory, GateFactory


@pytest.fixture
def temporary_rule():
    """Register rules for one test only."""
    added: list[str] = []

    def add(key: str, evaluate, params_schema: dict | None = None):
        registry.register(key, title=f"test rule {key}", params_schema=params_schema or {"type": "object"},
                          evaluate=evaluate)
        added.append(key)

    yield add
    for key in added:
        registry.unregister(key)


# A gate of organization A with one criterion (and B's look-alike gate): the API and page tests'
# world; tests of a gate built otherwise define their own.
@pytest.fixture
def gate(org_a, org_b):
    GateFactory(organization=org_b, name="CANARY-B gate")
    return GateFactory(organization=org_a, name="UAT exit", context={"release_version": "2.4.0"})


@pytest.fixture
def criterion(org_a, gate):
    return CriterionFactory(organization=org_a, gate=gate, title="CAB approval")
