from __future__ import annotations

import pytest

from tests.factories import UserFactory


@pytest.fixture
def ana():
    """A person with an account and no organization yet (tests of a different Ana define their own)."""
    return UserFactory(email="ana@example.com", full_name="Ana Approver")
