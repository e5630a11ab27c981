"""The releases fixtures (organization A's Payments world) for the two-node tests; in_a,
actor_of and manager come from tests/conftest.py like everywhere else."""

from tests.releases.conftest import world  # noqa: F401
