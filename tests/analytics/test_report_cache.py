"""Reports read from the rollups are reused until a derivation rewrites rollup rows
(analytics.dora.report_cache), never after."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.cache import cache

from analytics.dora.selectors import dora_breakdown
from analytics.dora.services import dora_service_refresh, rollup_state
from analytics.dora.warm import dora_reports_warm
from analytics.models import DoraChange
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


def test_a_stored_report_follows_the_rollups_state_not_the_cache(org_a, django_assert_max_num_queries):
    """A rewrite needs no word to the cache: the report is kept under the state of the rollups,
    which the rewrite moves in its own transaction, and the warm-up keeps only the newest change."""
    history, _ = golden(org_a)
    history.derive()
    history.report(*MARCH)
    with tenant_context(org_a):
        before = rollup_state(time_zone=org_a.time_zone)
        dora_service_refresh(service_id=history.service.pk, since=None, deployment_ids=frozenset())
        assert rollup_state(time_zone=org_a.time_zone) > before
    with django_assert_max_num_queries(10) as queries:
        history.report(*MARCH)
    assert _aggregates(queries) == 1
    with tenant_context(org_a):
        assert DoraChange.objects.count() > 1
        dora_reports_warm()
        assert list(DoraChange.objects.values_list("id", flat=True)) == [rollup_state(time_zone=org_a.time_zone)]


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
