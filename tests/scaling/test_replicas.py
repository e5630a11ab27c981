"""Read replicas against a real streaming replica of the test's PostgreSQL (TEST_REPLICA_URL;
.ci/replica makes one with pg_basebackup): a read-only list reads from the replica, with the
tenant setting applied there too; a client that wrote reads from the primary for the next
seconds, another client still from the replica.

These tests commit (transactional_db): the replica sees only what the primary committed."""

from __future__ import annotations

import os
import time

import dj_database_url
import pytest
from django.db import DatabaseError, connections
from django.test.utils import CaptureQueriesContext

from tests.factories import TeamFactory
from tests.pgbouncer_support import connection_through
from vsm.catalog.models import Team
from vsm.tenancy.context import tenant_context

REPLICA_URL = os.environ.get("TEST_REPLICA_URL")
pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not REPLICA_URL, reason="SKIPPED: no TEST_REPLICA_URL (a streaming replica of the "
                                                         "test database's server; .ci/replica makes one)")]

TEAMS = "/api/v1/orgs/acme/teams/"


@pytest.fixture
def replica(settings):
    """The replica as alias `replica1`, reading the test database (replicated from the primary)."""
    parsed = dj_database_url.parse(REPLICA_URL)
    connections["replica1"] = connection_through(parsed["HOST"], parsed["PORT"], alias="replica1")
    settings.DATABASE_REPLICAS = ["replica1"]
    yield connections["replica1"]
    connections["replica1"].close()
    del connections["replica1"]


def _replicated(org, name: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    with tenant_context(org):
        while not Team.objects.using("replica1").filter(name=name).exists():
            assert time.monotonic() < deadline, f"{name} never reached the replica"
            time.sleep(0.05)


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {team["name"] for team in response.json()["results"]}


def test_a_list_reads_from_the_replica_with_the_tenant_setting(replica, org_a, org_b, api_a):
    for org, name in ((org_a, "Checkout"), (org_b, "Intruders")):
        with tenant_context(org):
            TeamFactory(organization=org, name=name)
    _replicated(org_b, "Intruders")
    with CaptureQueriesContext(replica) as on_replica:
        assert _names(api_a.get(TEAMS)) == {"Checkout"}
    assert any(f'"{Team._meta.db_table}"' in q["sql"] for q in on_replica.captured_queries)
    # Raw SQL on the replica, in A's context: row-level security there shows A's rows only.
    with tenant_context(org_a), replica.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT organization_id FROM {Team._meta.db_table}")
        assert cursor.fetchall() == [(org_a.pk,)]
        with pytest.raises(DatabaseError, match="read-only"):
            cursor.execute(f"DELETE FROM {Team._meta.db_table}")


def test_a_client_that_wrote_reads_from_the_primary_for_a_while(replica, org_a, api_owner_a, api_a, settings):
    with tenant_context(org_a):
        TeamFactory(organization=org_a, name="Checkout")
    _replicated(org_a, "Checkout")
    created = api_owner_a.post(TEAMS, {"name": "Payments", "slug": "payments"}, format="json")
    assert created.status_code == 201, created.content
    with CaptureQueriesContext(replica) as on_replica:
        assert "Payments" in _names(api_owner_a.get(TEAMS))  # never a stale list after one's own write
    assert on_replica.captured_queries == []
    with CaptureQueriesContext(replica) as on_replica:
        api_a.get(TEAMS)  # another client
    assert on_replica.captured_queries != []
    settings.DATABASE_PRIMARY_AFTER_WRITE_SECONDS = 1
    api_owner_a.post(TEAMS, {"name": "Search", "slug": "search"}, format="json")
    time.sleep(1.2)
    with CaptureQueriesContext(replica) as on_replica:
        api_owner_a.get(TEAMS)  # the while is over
    assert on_replica.captured_queries != []
