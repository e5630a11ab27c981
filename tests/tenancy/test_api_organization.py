"""/api/v1/orgs/<org>/: the organization itself; it comes from the URL, never from the body."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from vsm.audit.models import AuditEvent
from vsm.tenancy.models import Organization
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def url(org) -> str:
    return f"/api/v1/orgs/{org.slug}/"


def api_as(token_client, org, role) -> APIClient:
    return token_client(org, role=role, name=role)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.ENGINEER, Role.OWNER])
def test_any_member_reads_the_organization(token_client, org_a, org_b, role):
    body = api_as(token_client, org_a, role).get(url(org_a)).json()
    assert {k: body[k] for k in ("slug", "name", "time_zone")} == {
        "slug": "acme", "name": "Acme Payments", "time_zone": "UTC"}


def test_a_manager_renames_it_and_changes_its_zone(api_owner_a, org_a, org_b, in_org):
    response = api_owner_a.patch(url(org_a), {"name": "Acme", "time_zone": "Europe/Berlin",
                                              "slug": "elsewhere"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["slug"] == "acme"  # the slug is not writable here
    org_a.refresh_from_db()
    assert (org_a.name, org_a.time_zone, org_a.slug) == ("Acme", "Europe/Berlin", "acme")
    with in_org(org_a):
        event = AuditEvent.objects.get(action="organization.updated")
    assert (event.before["name"], event.after["name"]) == ("Acme Payments", "Acme")
    assert event.after["time_zone"] == "Europe/Berlin"
    assert Organization.objects.get(slug="globex").name.startswith("CANARY-B")


@pytest.mark.parametrize("payload, field", [
    pytest.param({"time_zone": "Mars/Olympus"}, "time_zone", id="unknown-zone"),
    pytest.param({"time_zone": 3}, "time_zone", id="zone-number"),
    pytest.param({"name": ""}, "name", id="empty-name"),
    pytest.param({"name": "x" * 201}, "name", id="huge-name"),
    pytest.param({"name": ["Acme"]}, "name", id="name-list"),
])
def test_bad_changes_get_400_naming_the_field(api_owner_a, org_a, org_b, payload, field):
    response = api_owner_a.patch(url(org_a), payload, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    org_a.refresh_from_db()
    assert (org_a.name, org_a.time_zone) == ("Acme Payments", "UTC")


def test_malformed_json_gets_400(api_owner_a, org_a, org_b):
    assert api_owner_a.patch(url(org_a), "{", content_type="application/json").status_code == 400


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.VIEWER, Role.RELEASE_MANAGER])
def test_other_roles_cannot_change_it(token_client, org_a, org_b, role):
    response = api_as(token_client, org_a, role).patch(url(org_a), {"name": "Mine now"}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_it_cannot_be_replaced_or_deleted_here(api_owner_a, org_a, org_b, method):
    assert getattr(api_owner_a, method)(url(org_a), {"name": "x"}, format="json").status_code == 405


def test_another_organization_is_not_found(api_owner_a, org_a, org_b, owner_a):
    session = APIClient()
    session.force_login(owner_a)
    for method in ("get", "patch"):
        response = getattr(session, method)(url(org_b), {"name": "x"}, format="json")
        assert response.status_code == 404 and "CANARY-B" not in response.content.decode()
        # A token of A is no credential at all in B.
        assert getattr(api_owner_a, method)(url(org_b), {"name": "x"}, format="json").status_code == 401
    assert Organization.objects.get(slug="globex").name == "CANARY-B Globex"
