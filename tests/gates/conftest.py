from __future__ import annotations

import pytest

from gates.rules import registry


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
