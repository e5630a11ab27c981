"""A drill-down's count comes from the rollups when they agree with the records
(analytics.dora.record_counts): always the number counting the records gives, else counted."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from analytics.dora.records import METRICS, DoraRecordPages, dora_records, dora_records_count
from analytics.query import metric_query_parse
from integrations.models import DerivationPending
from tests.analytics.dora_support import golden, utc
from tests.factories import ServiceFactory
from vsm.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def _query(org, **scope):
    return metric_query_parse(params={"from": "2026-03-01", "to": "2026-03-31", **scope}, org=org)


def _counted_records(queries) -> int:
    """The statements among the captured queries that count the records themselves."""
    return sum("SELECT count(*) FROM" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("counted", [None, True, False])
def test_the_count_is_the_records_count(org_a, metric, counted, django_assert_max_num_queries):
    golden(org_a)
    with tenant_context(org_a):
        query = _query(org_a)
        pages = DoraRecordPages(query, metric, counted)
        expected = dora_records_count(query=query, metric=metric, counted=counted)
        with django_assert_max_num_queries(2) as queries:
            assert pages.count() == expected
        # The lead time drill-down also lists changes without a lead time, which no rollup holds.
        assert _counted_records(queries) == (1 if metric == "change_lead_time" and counted is not True else 0)
    assert expected > 0 or (metric, counted) == ("deployment_frequency", False)


def test_the_sums_are_stored_until_the_rollups_change(org_a, django_assert_max_num_queries):
    history, _ = golden(org_a)
    with tenant_context(org_a):
        pages = DoraRecordPages(_query(org_a), "change_failure_rate")
        before = pages.count()
        with django_assert_max_num_queries(1):  # whether the rollups agree; the sums are stored
            assert pages.count() == before
    history.deploy(utc(3, 20, 10))
    history.derive()
    with tenant_context(org_a):
        assert pages.count() == before + 1


def test_a_pending_derivation_in_the_scope_counts_the_records(org_a, django_assert_max_num_queries):
    history, _ = golden(org_a)
    other = ServiceFactory(organization=org_a)
    with tenant_context(org_a):
        checkout = DoraRecordPages(_query(org_a, service=history.service.slug), "deployment_frequency")
        before = checkout.count()
        # (The scope's services, whether the rollups agree, the count.)
        # Another service's pending derivation leaves this one's count to the rollups ...
        DerivationPending.objects.create(service=other)
        with django_assert_max_num_queries(3) as queries:
            assert checkout.count() == before
        assert _counted_records(queries) == 0
        # ... its own does not: stored with its marker, not derived yet, the rollups lack it.
        history.deploy(utc(3, 20, 10))
        DerivationPending.objects.create(service=history.service)
        with django_assert_max_num_queries(3) as queries:
            assert checkout.count() == before + 1
        assert _counted_records(queries) == 1
        # The whole organization's count too.
        everything = DoraRecordPages(_query(org_a), "deployment_frequency")
        assert everything.count() == dora_records_count(query=_query(org_a), metric="deployment_frequency")


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("counted", [None, True, False])
def test_pages_add_up_to_the_records(org_a, metric, counted):
    """Page by page the drill-down lists every record once, newest first, and as many as it counts."""
    golden(org_a)
    with tenant_context(org_a):
        query = _query(org_a)
        everything = dora_records(query=query, metric=metric, counted=counted)
        assert len(everything) == dora_records_count(query=query, metric=metric, counted=counted)
        paged = [row for offset in range(0, len(everything) + 2, 2)
                 for row in dora_records(query=query, metric=metric, counted=counted, offset=offset, limit=2)]
    assert paged == everything
    key = "commit_id" if metric == "change_lead_time" else "deployment_id"
    order = [(row["finished_at"], row[key]) for row in everything]
    assert order == sorted(order, reverse=True)
    assert all(row["counted"] == counted for row in everything) or counted is None
