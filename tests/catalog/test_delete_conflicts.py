"""Deleting a row other rows still refer to (PROTECT, RESTRICT) answers 409 naming them, on the
API and on the pages, and deletes nothing."""

from __future__ import annotations

import pytest
from django.db.models import RestrictedError

from integrations.models import Deployment
from tests.factories import ServiceFactory
from tests.integrations.factories import DeploymentFactory, ProductionEnvironmentFactory
from vsm.audit.models import AuditEvent
from vsm.catalog.models import Service
from vsm.entities import referenced_conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def payments(org_a, org_b):
    service = ServiceFactory(organization=org_a, name="payments", slug="payments")
    production = ProductionEnvironmentFactory(organization=org_a)
    for _ in range(12):
        DeploymentFactory(organization=org_a, service=service, environment=production)
    ServiceFactory(organization=org_b, name="payments", slug="payments")  # never counted
    return service


def _nothing_deleted(in_org, org):
    with in_org(org):
        assert Service.objects.filter(slug="payments").exists()
        assert Deployment.objects.count() == 12
        assert not AuditEvent.objects.filter(action="service.deleted").exists()


def test_the_api_answers_409_naming_the_deployments(api_owner_a, org_a, in_org, payments):
    response = api_owner_a.delete("/api/v1/orgs/acme/services/payments/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["message"].startswith("service 'payments' is referenced by 12 deployments")
    assert error["details"] == {"referenced_by": {"deployments": 12}}
    _nothing_deleted(in_org, org_a)


def test_the_page_answers_409_naming_the_deployments(client_a, org_a, in_org, payments):
    response = client_a.post("/o/acme/catalog/services/payments/delete/")
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-testid="delete-refused"' in body
    assert "service &#x27;payments&#x27; is referenced by 12 deployments" in body
    _nothing_deleted(in_org, org_a)


def test_a_service_without_deployments_is_still_deleted(api_owner_a, org_a, in_org):
    ServiceFactory(organization=org_a, name="ledger", slug="ledger")
    assert api_owner_a.delete("/api/v1/orgs/acme/services/ledger/").status_code == 204


def test_a_delete_written_past_the_services_is_still_a_409_on_the_api(api_owner_a, org_a, in_org, payments,
                                                                      monkeypatch):
    monkeypatch.setattr("vsm.catalog.services.delete_entity", lambda instance, **kwargs: instance.delete())
    response = api_owner_a.delete("/api/v1/orgs/acme/services/payments/")
    assert response.status_code == 409
    assert response.json()["error"]["message"].startswith("This is referenced by 12 deployments")


def test_a_restricted_delete_names_one_row_in_the_singular(org_a, in_org, payments):
    with in_org(org_a):
        deployment = Deployment.objects.first()
        conflict = referenced_conflict(RestrictedError("restricted", {deployment}), payments)
    assert conflict.status == 409
    assert conflict.message.startswith("service 'payments' is referenced by 1 deployment;")
