"""Fixtures for the connector tests (no database)."""

from __future__ import annotations

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
