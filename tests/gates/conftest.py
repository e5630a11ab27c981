from __future__ import annotations

import pytest

from gates.rules import registry
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role


@pytest.fixture
def in_a(org_a, org_b):
    """The test body runs as organization A (B exists, and must stay invisible)."""
    with tenant_context(org_a):
        yield


@pytest.fixture
def actor_of(member_factory):
    """A member of org A (or `org`) with `role`, as the services see them."""
    def make(role: str = Role.APPROVER, org=None, email: str | None = None) -> Actor:
        return Actor(role=role, user=member_factory(role, org=org, email=email))
    return make


@pytest.fixture
def manager(actor_of) -> Actor:
    return actor_of(Role.RELEASE_MANAGER)


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
