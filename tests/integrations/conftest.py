"""Fixtures for the connector tests (no database) and the ingestion tests."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest

from tests.integrations.support import ReplayServer, Sleeps


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    replay = ReplayServer()
    replay.thread.start()
    yield replay
    replay.httpd.shutdown()
    replay.httpd.server_close()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def derive_calls(monkeypatch):
    """Every call of integrations.derivation.delivery_derive, recorded (the module belongs to the
    analytics side; when it is not there yet, a module with the agreed signature stands in)."""
    calls = []

    def record(*, service_id: int, since) -> None:
        calls.append((service_id, since))

    try:
        import integrations.derivation as module
    except ImportError:
        module = types.ModuleType("integrations.derivation")
        monkeypatch.setitem(sys.modules, "integrations.derivation", module)
    monkeypatch.setattr(module, "delivery_derive", record, raising=False)
    return calls
