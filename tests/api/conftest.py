from __future__ import annotations

import pytest

from vsm.api.throttling import PrincipalRateThrottle

# 1,000,000 s after the epoch is 40 s into a minute: that minute's window ends in 20 s.
PINNED = 1_000_000.0


@pytest.fixture
def throttle_clock(monkeypatch):
    """The throttle's clock, stopped at PINNED (`.now` moves it), so that a test's requests fall
    into one fixed window however long they take."""
    class Clock:
        now = PINNED

    monkeypatch.setattr(PrincipalRateThrottle, "timer", staticmethod(lambda: Clock.now))
    return Clock
