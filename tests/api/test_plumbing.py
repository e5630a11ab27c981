"""The API's shared plumbing: authentication, the error shape, throttling, the schema and docs."""

from __future__ import annotations

import logging

import pytest
from rest_framework.test import APIClient

from vsm.api.throttling import PrincipalRateThrottle

pytestmark = pytest.mark.django_db


def whoami(client, org):
    return client.get(f"/api/v1/orgs/{org.slug}/whoami/")


def test_a_token_knows_who_it_is(api_a, org_a, org_b):
    assert whoami(api_a, org_a).json() == {
        "organization": "acme", "principal": "token:ci", "kind": "token", "role": "engineer"}


def test_a_signed_in_member_uses_the_session(org_a, owner_a):
    client = APIClient()
    client.force_login(owner_a)
    assert whoami(client, org_a).json()["kind"] == "user"


@pytest.mark.parametrize("header, status", [
    (None, 401),
    ("Bearer slc_not-a-real-token", 401),
    ("Bearer ", 401),
    ("Basic dXNlcjpwYXNz", 401),
])
def test_missing_or_bad_credentials_get_401_in_the_error_shape(org_a, header, status):
    client = APIClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    response = whoami(client, org_a)
    assert response.status_code == status
    assert set(response.json()["error"]) >= {"code", "message"}


def test_a_token_never_reaches_the_logs(org_a, token_factory, caplog):
    secret = token_factory(org_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    with caplog.at_level(logging.DEBUG):
        whoami(client, org_a)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}x")
        whoami(client, org_a)
        client.post(f"/api/v1/orgs/{org_a.slug}/whoami/", data="{broken", content_type="application/json")
    assert caplog.records, "expected some log lines to inspect"
    assert all(secret not in record.getMessage() and secret not in str(record.__dict__) for record in caplog.records)


def test_a_signed_in_non_member_gets_404(org_a, org_b, owner_a):
    client = APIClient()
    client.force_login(owner_a)
    assert whoami(client, org_b).status_code == 404


def test_an_unknown_org_gets_404(api_a):
    response = api_a.get("/api/v1/orgs/no-such-org/whoami/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_a_wrong_method_gets_405_in_the_error_shape(api_a, org_a):
    response = api_a.delete(f"/api/v1/orgs/{org_a.slug}/whoami/")
    assert response.status_code == 405 and "error" in response.json()


def test_throttling_answers_429_with_retry_after(api_a, org_a, monkeypatch, throttle_clock):
    monkeypatch.setattr(PrincipalRateThrottle, "THROTTLE_RATES", {"principal": "3/min"})
    statuses = [whoami(api_a, org_a).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = whoami(api_a, org_a)
    assert response.json()["error"]["code"] == "throttled" and response["Retry-After"] == "20"
    throttle_clock.now += 20  # the next window
    assert whoami(api_a, org_a).status_code == 200


def test_every_response_carries_a_request_id(api_a, org_a):
    response = api_a.get(f"/api/v1/orgs/{org_a.slug}/whoami/", HTTP_X_REQUEST_ID="ci-run-42.7")
    assert response["X-Request-ID"] == "ci-run-42.7"
    assert len(whoami(api_a, org_a)["X-Request-ID"]) == 32


def test_the_schema_describes_the_api(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/orgs/{org_slug}/whoami/" in schema["paths"]
    assert "BearerToken" in schema["components"]["securitySchemes"]


def test_swagger_ui_is_served_offline(client):
    body = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in body.lower()
    assert "cdn" not in body.lower() and "https://" not in body.split("<body")[0]
    assert "/static/drf_spectacular_sidecar/" in body


def test_a_nul_in_a_query_parameter_gets_400_naming_it(api_a, org_a):
    # PostgreSQL refuses NUL in text: without the check this filter fails inside the query.
    response = api_a.get(f"/api/v1/orgs/{org_a.slug}/deployments/?service=pay%00ments")
    assert response.status_code == 400
    message = "The query parameter 'service' must not contain a NUL character."
    assert response.json()["error"]["fields"] == {"service": [message]}

