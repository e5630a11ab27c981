"""The derivation task and its sweep: the marker written with the records is paid by calling
integrations.derivation.delivery_derive, once, and survives an unreachable broker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations import tasks
from integrations.models import DerivationPending
from integrations.services.derivation_marks import derivation_mark
from integrations.services.ingest import records_ingest
from tests.celery_support import broker
from tests.factories import ServiceFactory
from tests.integrations.factories import DerivationPendingFactory, ProductionEnvironmentFactory
from tests.integrations.ingest_support import T0, deployment
from tests.integrations.support import utc

pytestmark = pytest.mark.django_db


def test_the_task_runs_the_derivation_from_the_marker_and_pays_it(org_a, org_b, in_org, derive_calls):
    service = ServiceFactory(organization=org_a)
    DerivationPendingFactory(organization=org_a, service=service, since=T0)
    other = DerivationPendingFactory(organization=org_b, since=T0)
    assert tasks.derivation_run_task(org_a.pk, service_id=service.pk) is True
    assert derive_calls == [(service.pk, T0)]
    assert tasks.derivation_run_task(org_a.pk, service_id=service.pk) is False  # paid: a second run does nothing
    assert tasks.derivation_run_task(org_a.pk, service_id=other.service_id) is False  # not this tenant's marker
    assert derive_calls == [(service.pk, T0)]
    with in_org(org_a):
        assert not DerivationPending.objects.exists()
    with in_org(org_b):
        assert DerivationPending.objects.count() == 1


def test_a_mark_arriving_during_the_derivation_is_left_for_the_next_run(
        org_a, in_org, derive_calls, monkeypatch, django_capture_on_commit_callbacks):
    import integrations.derivation as module

    service = ServiceFactory(organization=org_a)
    DerivationPendingFactory(organization=org_a, service=service, since=T0)

    def derive_while_new_records_arrive(*, service_id, since):
        derive_calls.append((service_id, since))
        derivation_mark(since_by_service={service_id: utc(2024, 1, 1)})

    monkeypatch.setattr(module, "delivery_derive", derive_while_new_records_arrive)
    with django_capture_on_commit_callbacks() as queued:
        tasks.derivation_run_task(org_a.pk, service_id=service.pk)
    assert len(queued) == 1  # the mark found the marker waiting and queued nothing: the run queues its successor
    with in_org(org_a):
        assert DerivationPending.objects.get().since == utc(2024, 1, 1)
    monkeypatch.setattr(module, "delivery_derive", lambda **kwargs: None)
    with django_capture_on_commit_callbacks() as queued:
        tasks.derivation_run_task(org_a.pk, service_id=service.pk)
    assert queued == []  # paid, nothing new: nothing to follow


def test_marks_for_a_service_whose_marker_waits_queue_no_more_tasks(org_a, in_org, django_capture_on_commit_callbacks):
    one, two = ServiceFactory.create_batch(2, organization=org_a)
    with in_org(org_a), django_capture_on_commit_callbacks() as queued:
        derivation_mark(since_by_service={one.pk: T0})
        derivation_mark(since_by_service={one.pk: T0 - timedelta(days=1), two.pk: T0})
        derivation_mark(since_by_service={one.pk: T0, two.pk: None})
    assert len(queued) == 2  # one task per service, however many records marked it
    with in_org(org_a):
        assert dict(DerivationPending.objects.values_list("service_id", "since")) == {
            one.pk: T0 - timedelta(days=1), two.pk: None}


def test_the_sweep_queues_markers_no_task_paid(org_a, org_b, in_org, derive_calls, django_capture_on_commit_callbacks):
    stale_a = DerivationPendingFactory(organization=org_a, marked_at=timezone.now() - timedelta(minutes=5))
    stale_b = DerivationPendingFactory(organization=org_b, marked_at=timezone.now() - timedelta(minutes=5))
    DerivationPendingFactory(organization=org_a)  # its own task is still on the way
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.delivery_derive_sweep() == 2
    assert sorted(derive_calls) == sorted([(stale_a.service_id, None), (stale_b.service_id, None)])


def test_an_unreachable_broker_keeps_the_marker_for_the_sweep(
        org_a, in_org, derive_calls, caplog, django_capture_on_commit_callbacks):
    ProductionEnvironmentFactory(organization=org_a, slug="production")
    with broker("redis://127.0.0.1:1/0"), in_org(org_a), django_capture_on_commit_callbacks(execute=True):
        records_ingest(connection=None, records=[deployment()])
    assert "could not queue task" in [r.getMessage() for r in caplog.records]
    assert derive_calls == []
    with in_org(org_a):
        marker = DerivationPending.objects.get()
        DerivationPending.objects.filter(pk=marker.pk).update(marked_at=timezone.now() - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.delivery_derive_sweep()
    assert derive_calls == [(marker.service_id, T0)]
