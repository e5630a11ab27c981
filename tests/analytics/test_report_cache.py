"""Reports read from the rollups are reused until a derivation rewrites rollup rows
(analytics.dora.report_cache), never after."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache

from analytics.dora.report_cache import rollups_changed
from analytics.dora.selectors import dora_breakdown
from analytics.query import metric_query_parse
from tests.analytics.dora_support import golden, utc
from vsm.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def _aggregates(queries) -> int:
    """The report statements among the captured queries (each starts with the report prelude)."""
    return sum("SET LOCAL work_mem" in q["sql"] for q in queries.captured_queries)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_second_report_is_not_computed_again(org_a, django_assert_max_num_queries):
    history, _ = golden(org_a)
    history.derive()
    first = history.report(*MARCH, interval="week")
    with django_assert_max_num_queries(10) as queries:
        second = history.report(*MARCH, interval="week")
    assert second == first
    assert _aggregates(queries) == 0


def test_a_derivation_shows_at_once(org_a, django_assert_max_num_queries):
    history, _ = golden(org_a)
    history.derive()
    before = history.report(*MARCH)
    history.commit("late", utc(3, 20, 8))
    history.deploy(utc(3, 20, 10), "late")
    history.derive()
    with django_assert_max_num_queries(10) as queries:
        after = history.report(*MARCH)
    assert _aggregates(queries) == 1
    assert after["deployment_frequency"]["deployments"] == before["deployment_frequency"]["deployments"] + 1


def test_a_report_computed_before_the_commit_is_forgotten_on_commit(org_a, django_capture_on_commit_callbacks,
                                                                    django_assert_max_num_queries):
    history, _ = golden(org_a)
    history.derive()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rollups_changed(org_id=org_a.pk)
    # Another request stores a report between the rewrite and its commit ...
    history.report(*MARCH)
    with django_assert_max_num_queries(10) as queries:
        history.report(*MARCH)
    assert _aggregates(queries) == 0
    # ... which the commit forgets.
    for callback in callbacks:
        callback()
    with django_assert_max_num_queries(10) as queries:
        history.report(*MARCH)
    assert _aggregates(queries) == 1


def test_breakdowns_are_kept_apart_by_grouping_and_scope(org_a):
    history, _ = golden(org_a)
    history.derive()
    with tenant_context(org_a):
        query = metric_query_parse(params={"from": "2026-03-01", "to": "2026-03-31"}, org=org_a)
        by_service = dora_breakdown(query=query, by="service")
        by_stream = dora_breakdown(query=query, by="value_stream")
    assert [row["key"] for row in by_service] == ["checkout"]
    # One stream holding the one service: the same numbers under another key, not an empty row
    # read from the service grouping's stored answer.
    assert by_stream[0]["key"] != "checkout"
    assert by_stream[0]["deployment_frequency"] == by_service[0]["deployment_frequency"]
    assert by_service[0]["deployment_frequency"]["deployments"] > 0
