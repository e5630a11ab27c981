"""Fixtures for the connector tests (no database) and the ingestion tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations import derivation
from tests.integrations.support import ReplayServer, Sleeps, serving


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    with serving(ReplayServer()) as replay:
        yield replay


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def derive_calls(monkeypatch):
    """Every call of integrations.derivation.delivery_derive, recorded instead of run."""
    calls = []

    def record(*, service_id: int, since) -> None:
        calls.append((service_id, since))

    monkeypatch.setattr(derivation, "delivery_derive", record)
    return calls
