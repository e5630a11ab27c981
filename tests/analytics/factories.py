"""Factories of the analytics app."""

from __future__ import annotations

import factory

from analytics.models import (
    DigestSent,
    DoraChange,
    DoraDay,
    DoraRollupState,
    MetricGoal,
    ValueStreamStage,
    WorkItemFlow,
    WorkItemMap,
    WorkKeyDelivery,
)
from tests.factories import ServiceFactory, TenantFactory, same_org
from vsm.tenancy.context import tenant_context


class DoraDayFactory(TenantFactory):
    class Meta:
        model = DoraDay

    service = same_org(ServiceFactory)
    day = factory.Faker("date_object")
    deployments = 1


class DoraRollupStateFactory(TenantFactory):
    class Meta:
        model = DoraRollupState

    time_zone = "UTC"


class ValueStreamStageFactory(TenantFactory):
    class Meta:
        model = ValueStreamStage

    value_stream = None
    position = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Stage {n}")
    start_event = "pr_opened"
    end_event = "pr_merged"


def work_item_flow(work_item):
    """The stored flow row of `work_item`: PostgreSQL writes it with the item (analytics.flow.store)."""
    with tenant_context(work_item.organization_id):
        return WorkItemFlow.objects.get(work_item=work_item)


def work_item_map(work_item):
    """The stored value stream map row of `work_item`: PostgreSQL writes it with the item
    (analytics.streammap.items)."""
    with tenant_context(work_item.organization_id):
        return WorkItemMap.objects.get(work_item=work_item)


class MetricGoalFactory(TenantFactory):
    class Meta:
        model = MetricGoal

    metric = "change_failure_rate"
    comparison = "at_most"
    target = 0.1


class DoraChangeFactory(TenantFactory):
    class Meta:
        model = DoraChange


class WorkKeyDeliveryFactory(TenantFactory):
    class Meta:
        model = WorkKeyDelivery

    key = factory.Sequence(lambda n: f"KEY-{n}")


class DigestSentFactory(TenantFactory):
    class Meta:
        model = DigestSent

    week = "2026-W10"
