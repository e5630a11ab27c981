"""Statement timeouts: a request's statement that runs past DATABASE_STATEMENT_TIMEOUT_MS is
cancelled by PostgreSQL and answered 503 with a clear message (API and pages); a task gets the
longer TASK_STATEMENT_TIMEOUT_MS; outside any context the server's default comes back.

These tests commit (transactional_db): a cancelled statement aborts the transaction it ran in,
which in production is the request's own autocommit statement, not a test's wrapping one."""

from __future__ import annotations

import time

import pytest
from django.db import connection, transaction

from vsm.tenancy.context import tenant_context
from vsm.tenancy.tasks import tenant_task

pytestmark = pytest.mark.django_db(transaction=True)

FLOW = "/api/v1/orgs/acme/metrics/flow/"
SLEEP_SECONDS = 2


def _sleep(**kwargs) -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(%s)", [SLEEP_SECONDS])
    return {}


def _statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@tenant_task
def _timeout_seen_by_task() -> str:
    return _statement_timeout()


@tenant_task
def _slow_task() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.5), 'finished'")
        return cursor.fetchone()[1]


@pytest.fixture
def short_timeouts(settings):
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 200
    settings.TASK_STATEMENT_TIMEOUT_MS = 5000
    return settings


def test_a_request_past_the_timeout_is_cancelled_and_says_why(api_a, short_timeouts, monkeypatch):
    monkeypatch.setattr("analytics.flow.api.views.flow_report", _sleep)
    began = time.monotonic()
    response = api_a.get(FLOW)
    took = time.monotonic() - began
    assert response.status_code == 503, response.content
    error = response.json()["error"]
    assert error["code"] == "query_timeout"
    assert "took too long" in error["message"] and "narrow the window" in error["message"]
    assert took < SLEEP_SECONDS  # cancelled, not waited for
    # The connection stays usable and the next request is answered normally.
    monkeypatch.undo()
    assert api_a.get(FLOW).status_code == 200


def test_a_page_past_the_timeout_answers_503_with_the_message(client_a, short_timeouts, monkeypatch):
    monkeypatch.setattr("analytics.flow.views.flow_report", _sleep)
    response = client_a.get("/o/acme/analytics/flow/")
    assert response.status_code == 503
    html = response.content.decode()
    assert 'data-testid="statement-timeout"' in html and "narrow the window" in html


def test_without_the_bound_the_same_request_waits(api_a, settings, monkeypatch):
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 0  # 0: no bound
    monkeypatch.setattr("analytics.flow.api.views.flow_report", _sleep)
    assert api_a.get(FLOW).status_code == 200


def test_a_task_gets_the_longer_timeout(org_a, short_timeouts):
    assert _timeout_seen_by_task(org_id=org_a.pk) == "5s"
    # Half a second is past the request bound (200 ms) but inside the task's.
    assert _slow_task(org_id=org_a.pk) == "finished"


def test_the_bound_is_set_per_context_and_lifted_after_it(org_a, short_timeouts):
    server_default = _statement_timeout()
    with tenant_context(org_a, statement_timeout_ms=300):
        assert _statement_timeout() == "300ms"
        with tenant_context(org_a):  # a nested context keeps the surrounding bound
            assert _statement_timeout() == "300ms"
        with tenant_context(org_a, statement_timeout_ms=0):
            assert _statement_timeout() == "0"
        assert _statement_timeout() == "300ms"
    assert _statement_timeout() == server_default



def _sent(cursor) -> str:
    return cursor.cursor.query.decode()  # what went to the server, the tenant settings included


def test_inside_one_transaction_leaving_the_bound_brings_the_database_default_back(org_a, short_timeouts):
    database = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{database}" SET statement_timeout = \'7s\'')
    connection.close()  # a new session takes the database's default
    try:
        with transaction.atomic():
            with tenant_context(org_a, statement_timeout_ms=300):
                assert _statement_timeout() == "300ms"
            with tenant_context(org_a), connection.cursor() as cursor:
                cursor.execute("SHOW statement_timeout")
                assert cursor.fetchone()[0] == "7s"
                assert "pg_settings" in _sent(cursor)
        with transaction.atomic(), tenant_context(org_a), connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "7s"
            # Nothing set a bound in this transaction: the default it has is not read back
            # (pg_settings costs about 2 ms a read).
            assert "set_config('sluice.org_id'" in _sent(cursor) and "pg_settings" not in _sent(cursor)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{database}" RESET statement_timeout')
        connection.close()
