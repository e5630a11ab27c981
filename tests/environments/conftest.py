from __future__ import annotations

import pytest

from environments.services import _common


@pytest.fixture(autouse=True)
def outbox(monkeypatch):
    """Notifications the environments services send, as the keyword arguments of notify()."""
    sent: list[dict] = []
    monkeypatch.setattr(_common, "_deliver", lambda **message: sent.append(message))
    return sent
