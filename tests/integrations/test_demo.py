"""The demo's year of delivery data: shaped like a real organization (elite and struggling
services), linked the way the metrics read it, deterministic, and not written twice."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from integrations import demo
from integrations.models import (
    ChangeControlledEnvironment,
    ChangeRequest,
    Commit,
    Deployment,
    Incident,
    PipelineRun,
    PullRequest,
    WorkItem,
    WorkItemTransition,
)
from tests.environments.factories import EnvironmentFactory
from tests.factories import OrganizationFactory, ServiceFactory, ValueStreamFactory
from vsm.demo.seed import seed_demo
from vsm.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


def _production(service_slug: str):
    return Deployment.objects.filter(service__slug=service_slug, is_production=True)


def test_the_demo_holds_a_year_of_delivery_shaped_like_a_real_organization():
    org = seed_demo().organization
    today = timezone.localdate(timezone=org.tzinfo)
    with tenant_context(org):
        prod = Deployment.objects.filter(is_production=True)
        first, last = prod.order_by("finished_at").first(), prod.order_by("finished_at").last()
        assert (today - first.finished_at.date()).days >= 350
        assert timezone.localtime(last.finished_at, org.tzinfo).date() < today  # nothing from today on
        assert Deployment.objects.filter(is_production=False, environment__tier="staging").count() > 1000
        # Elite services ship several times a weekday, struggling ones about weekly (about 50 weekdays a year).
        for elite in ("payments-api", "checkout-web", "mobile-bff"):
            assert _production(elite).count() > 600
        for struggling in ("fraud-scoring", "ios-app", "android-app"):
            assert 35 <= _production(struggling).filter(kind="normal").count() <= 60
        # Failures: rare for elite (rollbacks, hotfixes), a fifth or more for the struggling.
        failed = Count("pk", filter=Q(kind__in=["rollback", "hotfix"]) | Q(attributed_incidents__isnull=False),
                       distinct=True)
        shares = {row["service__slug"]: row["failed"] / row["total"] for row in prod.values("service__slug").annotate(
            failed=failed, total=Count("pk", distinct=True))}
        assert shares["payments-api"] < 0.08 and shares["fraud-scoring"] > 0.15
        assert prod.filter(kind="rollback").exclude(rollback_of=None).exists() and prod.filter(kind="hotfix").exists()

        # Linked the way the metrics read it.
        assert not prod.filter(kind="normal", commits__isnull=True).exists()
        assert not prod.filter(kind="normal", pipeline_run__isnull=True).exists()
        assert Commit.objects.filter(first_production_deployment__isnull=False).count() > 0.9 * Commit.objects.count()
        attributions = dict(Incident.objects.values_list("attribution").annotate(n=Count("pk")))
        assert attributions.get("time_window", 0) > attributions.get("caused_by_deployment", 0) > 0
        assert PipelineRun.objects.filter(status="failed").exists()
        assert PipelineRun.objects.filter(jobs__stage="security").exists()

        pull = PullRequest.objects.exclude(work_item_keys=[]).first()
        assert pull.merge_commit_sha in pull.commit_shas
        item = WorkItem.objects.get(key=pull.work_item_keys[0])
        assert item.status_category == "done" and item.started_at < item.resolved_at
        assert WorkItemTransition.objects.filter(to_waiting=True).count() > 100
        assert WorkItem.objects.filter(status_category="in_progress", waiting=True).exists()
        assert WorkItem.objects.filter(flow_type="defect", severity__lte=2).exclude(status_category="done").exists()

        # Change requests: the struggling services ship under approved ones; today one is waiting.
        assert ChangeRequest.objects.filter(approval="approved", change_services__service__slug="fraud-scoring").count(
        ) >= 35
        assert ChangeRequest.objects.filter(approval="requested").exists()
        assert ChangeControlledEnvironment.objects.filter(environment__is_production=True).exists()
        counts = Deployment.objects.count(), WorkItem.objects.count()

    again = seed_demo()
    assert again.created is False
    with tenant_context(org):
        assert (Deployment.objects.count(), WorkItem.objects.count()) == counts


def _small_world(slug: str):
    org = OrganizationFactory(slug=slug)
    with tenant_context(org):
        stream = ValueStreamFactory(organization=org, slug="payments", name="Payments")
        for service in ("payments-api", "fraud-scoring"):
            ServiceFactory(organization=org, slug=service, value_stream=stream)
        for tier in ("staging", "production"):
            EnvironmentFactory(organization=org, slug=f"payments-{tier}", tier=tier, value_stream=stream,
                               is_production=tier == "production")
    return org


def _fingerprint(org):
    with tenant_context(org):
        return (sorted(Deployment.objects.values_list("service__slug", "environment__slug", "version", "kind",
                                                       "finished_at")),
                sorted(WorkItem.objects.values_list("key", "status_raw", "created_at")),
                sorted(Incident.objects.values_list("number", "opened_at", "attribution")))


def test_the_same_seed_and_day_give_the_same_delivery_history():
    today = timezone.localdate() - timedelta(days=3)
    worlds = [_small_world("first"), _small_world("second")]
    for org in worlds:
        with tenant_context(org):
            demo.seed(org, rng=random.Random(11), today=today)
    first, second = (_fingerprint(org) for org in worlds)
    assert first == second and len(first[0]) > 1000
