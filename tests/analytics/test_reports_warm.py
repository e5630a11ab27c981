"""After a derivation the pages' costly reports are computed in a task of their own, queued once
for a burst of derivations (analytics.dora.warm), so the first reader finds them stored."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from analytics.dora import tasks
from analytics.dora.warm import WARM_AFTER, dora_reports_warm
from tests.analytics.pages_support import History
from tests.tenancy.test_task_sender import eager
from vsm.tenancy.context import tenant_context
from vsm.tenancy.tasks import enqueued_wait

pytestmark = pytest.mark.django_db

PAGES = ["/o/acme/analytics/", "/o/acme/analytics/?window=365",
         "/o/acme/analytics/dora/breakdown/?by=service&window=365", "/o/acme/analytics/dora/breakdown/?by=service"]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def queued(monkeypatch):
    """The warm-up messages sent (kwargs and options), with tasks going to a broker."""
    calls = []
    monkeypatch.setattr(tasks.dora_reports_warm_task, "apply_async",
                        lambda kwargs, **options: calls.append((kwargs, options)))
    with eager(False):
        yield calls
        assert enqueued_wait()


@pytest.fixture
def history(org_a):
    h = History(org_a)
    for days_ago in (1, 4, 9, 40, 200):
        h.deploy(days_ago, lead_hours=5)
    h.derive()
    return h


def _aggregates(queries) -> int:
    """The report statements among the captured queries (each starts with the report prelude)."""
    return sum("SET LOCAL work_mem" in q["sql"] for q in queries.captured_queries)


def test_a_burst_of_derivations_queues_one_warm_up_after_commit(org_a, history, queued,
                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        history.derive()
        assert queued == []  # not inside the derivation's transaction
    with django_capture_on_commit_callbacks(execute=True):
        history.derive()
    assert enqueued_wait()
    assert queued == [({"org_id": org_a.pk}, {"countdown": WARM_AFTER, "retry": False})]
    # Once it starts, the next derivation (whose rewrite makes its reports stale) queues another.
    with tenant_context(org_a):
        dora_reports_warm()
    with django_capture_on_commit_callbacks(execute=True):
        history.derive()
    assert enqueued_wait()
    assert len(queued) == 2


def test_without_a_worker_nothing_is_queued(history, monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(tasks.dora_reports_warm_task, "apply_async", lambda kwargs, **options: sent.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):  # tasks run eagerly in the tests
        history.derive()
    assert sent == []


@pytest.mark.parametrize("url", PAGES)
def test_the_first_reader_after_the_warm_up_finds_the_reports_stored(org_a, client_a, history, url,
                                                                       django_assert_max_num_queries):
    history.deploy(2, lead_hours=3)
    history.derive()  # every stored report forgotten
    with django_assert_max_num_queries(20) as cold:
        assert client_a.get(url).status_code == 200
    assert _aggregates(cold) == 1
    history.deploy(3, lead_hours=3)
    history.derive()
    tasks.dora_reports_warm_task(org_id=org_a.pk)  # what the worker runs
    with django_assert_max_num_queries(len(cold.captured_queries) - 1) as warm:
        response = client_a.get(url)
    assert _aggregates(warm) == 0
    assert response.status_code == 200


def test_incomplete_rollups_are_not_warmed(org_a, django_assert_max_num_queries):
    with tenant_context(org_a), django_assert_max_num_queries(2) as queries:
        dora_reports_warm()
    assert _aggregates(queries) == 0
