"""Behind a real PgBouncer in transaction mode with one server connection: two organizations'
requests interleave on that connection, and each statement sees, and may write, only its own
organization's rows. With the tenant setting kept per session (as before), A's third read would
run with B's setting, which B's request left on the shared server connection.

These tests commit (transactional_db): the pooled connections are other sessions than the test's."""

from __future__ import annotations

import threading

import pytest
from django.db import DatabaseError, connections, transaction

from tests.factories import OrganizationFactory, TeamFactory
from tests.pgbouncer_support import PGBOUNCER, SKIP_REASON, connection_through, pgbouncer
from vsm.catalog.models import Team
from vsm.tenancy.context import request_context, tenant_context

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.skipif(not PGBOUNCER, reason=SKIP_REASON)]

TEAMS = Team._meta.db_table


class Turns:
    """Steps 0, 1, 2... taken in order by whichever thread owns each."""

    def __init__(self):
        self.turn = 0
        self.changed = threading.Condition()

    def take(self, step: int):
        with self.changed:
            assert self.changed.wait_for(lambda: self.turn == step, timeout=20), f"step {step} never came"

    def done(self):
        with self.changed:
            self.turn += 1
            self.changed.notify_all()


def _read(alias: str) -> tuple[int, set[int]]:
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT pg_backend_pid(), organization_id FROM {TEAMS}")
        rows = cursor.fetchall()
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0], {org for _, org in rows}


def _request(org, other, steps: list[int], address, turns: Turns, seen: dict, errors: list):
    connections["pooled"] = connection_through(*address)
    try:
        with request_context(org):
            turns.take(steps[0])
            seen[(org.pk, "first")] = _read("pooled")
            turns.done()
            turns.take(steps[1])
            seen[(org.pk, "second")] = _read("pooled")
            with transaction.atomic(using="pooled"):  # one transaction of several statements
                seen[(org.pk, "in a transaction")] = _read("pooled")
                seen[(org.pk, "listed")] = (0, set(Team.objects.using("pooled").values_list("organization_id",
                                                                                            flat=True)))
            turns.done()
            turns.take(steps[2])
            try:
                with connections["pooled"].cursor() as cursor:
                    cursor.execute(f"INSERT INTO {TEAMS} (organization_id, name, slug, description, created_at) "
                                   "VALUES (%s, 'Intruders', 'intruders', '', now())", [other.pk])
            except DatabaseError as refused:
                seen[(org.pk, "refused")] = str(refused)
            turns.done()
    except BaseException as failure:  # reported by the test's own thread
        errors.append(failure)
        turns.done()
    finally:
        connections["pooled"].close()
        del connections["pooled"]


def test_interleaved_requests_of_two_organizations_through_one_pooled_server_connection():
    org_a, org_b = OrganizationFactory(slug="acme"), OrganizationFactory(slug="globex")
    for org in (org_a, org_b):
        with tenant_context(org):
            TeamFactory(organization=org)
    turns, seen, errors = Turns(), {}, []
    with pgbouncer(pool_size=1) as address:
        requests = [threading.Thread(target=_request, args=(org_a, org_b, [0, 2, 4], address, turns, seen, errors)),
                    threading.Thread(target=_request, args=(org_b, org_a, [1, 3, 5], address, turns, seen, errors))]
        for request in requests:
            request.start()
        for request in requests:
            request.join(timeout=60)
    assert not errors, errors
    for org in (org_a, org_b):
        for step in ("first", "second", "in a transaction", "listed"):
            assert seen[(org.pk, step)][1] == {org.pk}, (org.slug, step, seen)
        assert "row-level security" in seen[(org.pk, "refused")]
    pids = {seen[(org.pk, step)][0] for org in (org_a, org_b) for step in ("first", "second", "in a transaction")}
    assert len(pids) == 1  # every statement ran on the one pooled server connection
    with tenant_context(org_a):
        assert list(Team.objects.values_list("name", flat=True)).count("Intruders") == 0
