"""Two workers ingesting the same records at the same moment leave one row per record."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from integrations.models import Commit, Deployment, DeploymentCommit
from integrations.services.ingest import records_ingest
from tests.integrations.factories import ProductionEnvironmentFactory
from tests.integrations.ingest_support import commit, deployment
from vsm.audit.models import AuditEvent
from vsm.catalog.models import Service


@pytest.mark.django_db(transaction=True)
def test_concurrent_ingests_of_one_batch_store_each_record_once(org_a, org_b, in_org):
    ProductionEnvironmentFactory(organization=org_a, slug="production")
    records = [deployment(f"d-{i}", service="octo/brand-new", commits=(commit(f"{i:040x}", service="octo/brand-new"),))
               for i in range(25)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            with in_org(org_a):
                barrier.wait()
                results.append(records_ingest(connection=None, records=records))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted((r.created, r.unchanged) for r in results) == [(0, 25), (25, 0)]
    with in_org(org_a):
        assert Service.objects.filter(slug="brand-new").count() == 1
        assert AuditEvent.objects.filter(action="service.created_from_delivery").count() == 1
        assert (Deployment.objects.count(), Commit.objects.count(), DeploymentCommit.objects.count()) == (25, 25, 25)
    with in_org(org_b):
        assert not Deployment.objects.exists()
