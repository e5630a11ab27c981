"""The releases fixtures (organization A's Payments world) for the two-node tests."""

from tests.releases.conftest import actor_of, in_a, manager, world  # noqa: F401
