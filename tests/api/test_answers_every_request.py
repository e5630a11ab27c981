"""Requests that once answered 500 (or refused an open incident): each now answers what it should."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.integrations.factories import ProductionEnvironmentFactory
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db
API = "/api/v1/orgs/acme/"


def fields_of(response) -> dict:
    return response.json()["error"].get("fields", {})


def test_the_schema_answers_a_client_that_sends_its_token(org_a, token_client):
    # Code generators and CI jobs send their token to every URL, the schema's too.
    client = token_client(org_a)
    response = client.get("/api/schema/")
    assert response.status_code == 200 and b"openapi" in response.content


@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/", "/api/redoc/", "/api/v1/orgs/nowhere/whoami/"])
def test_a_bad_token_outside_an_organization_is_not_a_server_error(db, url):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer slc_not-a-real-token")
    assert client.get(url).status_code in (200, 401, 404)


def test_booking_dates_past_the_calendar_or_out_of_order_answer_400_naming_them(api_a):
    response = api_a.get(f"{API}bookings/", {"from": "6975-05-06T11:55:48Z", "to": "0082-08-02T01:16:36+22:40"})
    assert response.status_code == 400, response.content
    assert "to" in fields_of(response)


def test_a_commit_service_longer_than_its_column_answers_400_naming_it(api_a):
    response = api_a.post(f"{API}commits/", {"service": "s" * 250, "commits": [{"sha": "9f3c2b7e1d4a"}]},
                          format="json")
    assert response.status_code == 400, response.content
    assert "service" in fields_of(response)


def test_an_open_incident_posted_with_null_resolved_at_is_recorded(api_a, org_a):
    ProductionEnvironmentFactory(organization=org_a, name="Production", slug="production")
    response = api_a.post(f"{API}incidents/", {
        "title": "Checkout returns 502", "external_id": "pd-7", "opened_at": "2025-03-04T18:20:00Z",
        "resolved_at": None, "caused_by_deployment": None, "service": None, "severity": None}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["resolved_at"] is None and response.json()["status"] == "open"


def test_a_nul_in_a_gate_context_answers_400_naming_it(org_a, api_as):
    response = api_as(Role.RELEASE_MANAGER).post(f"{API}gates/", {
        "name": "Go-live", "context": {"release_version": "2.4.0\u0000"}}, format="json")
    assert response.status_code == 400, response.content
    assert "context.release_version" in fields_of(response)


def test_a_nul_in_a_template_phase_name_answers_400_naming_it(org_a, api_as):
    response = api_as(Role.RELEASE_MANAGER).post(f"{API}release-templates/", {
        "name": "Hotfix", "phases": [{"name": "PR\u0000OD", "tier": "production", "duration_days": 1}]},
        format="json")
    assert response.status_code == 400, response.content
    assert "phases[0].name" in fields_of(response)


def test_the_schema_says_optional_body_fields_are_nullable(api_a):
    components = api_a.get("/api/schema/?format=json").json()["components"]["schemas"]
    incident, deployment = components["IncidentInputRequest"], components["DeploymentInputRequest"]
    assert all(incident["properties"][name].get("nullable") for name in ("resolved_at", "caused_by_deployment"))
    assert all(deployment["properties"][name].get("nullable") for name in ("rollback_of", "release"))
    assert not incident["properties"]["title"].get("nullable")  # required: null is still refused


def test_null_for_an_optional_deployment_field_is_the_same_as_leaving_it_out(api_a, org_a):
    ProductionEnvironmentFactory(organization=org_a, name="Production", slug="production")
    response = api_a.post(f"{API}deployments/", {
        "service": "payments-api", "environment": "production", "status": "succeeded", "rollback_of": None,
        "release": None, "kind": None, "commits": None, "started_at": None}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["rollback_of"], response.json()["release"], response.json()["kind"]) == (
        None, None, "normal")


def test_null_on_a_patch_changes_nothing(api_owner_a, org_a):
    response = api_owner_a.patch(API, {"name": None, "time_zone": "Europe/Berlin"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["time_zone"]) == ("Acme Payments", "Europe/Berlin")
    settings = api_owner_a.patch(f"{API}release-settings/", {"require_release_slots": None}, format="json")
    assert settings.status_code == 200 and settings.json()["require_release_slots"] is False


def test_null_for_a_required_field_is_still_refused_naming_it(api_a):
    response = api_a.post(f"{API}incidents/", {"title": None}, format="json")
    assert response.status_code == 400 and "title" in fields_of(response)


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "9999-12-31T23:00:00-05:00"}, "from"),  # past the calendar once in UTC
    ({"to": "0001-01-01T00:30:00+01:00"}, "to"),
    ({"from": "2025-03-02T00:00:00Z", "to": "2025-03-01T00:00:00Z"}, "to"),
])
def test_booking_and_outage_windows_beyond_the_calendar_or_reversed_answer_400(api_a, params, field):
    for collection in ("bookings/", "outages/"):
        response = api_a.get(f"{API}{collection}", params)
        assert response.status_code == 400 and field in fields_of(response), (collection, response.content)


def test_a_nul_in_a_body_key_or_at_the_top_answers_400(org_a, api_as):
    rm = api_as(Role.RELEASE_MANAGER)
    key = rm.post(f"{API}gates/", {"name": "Go-live", "context": {"release\u0000": "1"}}, format="json")
    assert key.status_code == 400 and "context" in fields_of(key)
    top = rm.post(f"{API}gates/", "a\u0000b", format="json")
    assert top.status_code == 400 and "non_field_errors" in fields_of(top)


@pytest.mark.parametrize("name", [5, ["PROD"], {"x": 1}])
def test_a_template_phase_name_that_is_not_text_answers_400_naming_it(org_a, api_as, name):
    # A phase is a JSON object the service reads: its name may come as any JSON type.
    response = api_as(Role.RELEASE_MANAGER).post(f"{API}release-templates/", {
        "name": "Hotfix", "phases": [{"name": name}]}, format="json")
    assert response.status_code == 400 and "phases[0].name" in fields_of(response), response.content
