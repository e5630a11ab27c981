"""JSON bodies within limits: nested deeper than JSON_MAX_DEPTH is a 400 naming the limit, larger
than MAX_REQUEST_BYTES a 413, on the API and on the webhook receiver alike, always in the one JSON
error shape and never a 500."""

from __future__ import annotations

import json

import pytest

from integrations.models import WebhookDelivery
from tests.integrations.factories import ConnectionFactory
from tests.integrations.hooks_support import post
from vsm.api.parsers import json_depth_error
from vsm.catalog.models import Service

pytestmark = pytest.mark.django_db
SERVICES = "/api/v1/orgs/acme/services/"


def nested(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


@pytest.mark.parametrize(("text", "too_deep"), [
    (nested(64), False),
    (nested(65), True),
    ('{"a": ' * 65 + "1" + "}" * 65, True),
    (json.dumps({"note": "[" * 500, "list": [[1]]}), False),  # brackets inside strings nest nothing
    (json.dumps({"note": 'say "[[[" \\ ' * 100}), False),  # escaped quotes do not end the string
    (nested(1000, '"unterminated'), True),
    ("[" * 100_000, True),  # malformed, but refused before any parser recurses
])
def test_depth_is_read_from_the_brackets_outside_strings(text, too_deep):
    assert bool(json_depth_error(text)) is too_deep


def test_the_api_refuses_json_nested_1000_deep_with_400(api_a, in_org, org_a):
    body = '{"name": "payments", "slug": "payments", "description": ' + nested(1000) + "}"
    response = api_a.post(SERVICES, data=body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "parse_error" and "deeper than 64 levels" in error["message"]
    with in_org(org_a):
        assert not Service.objects.exists()


def test_the_depth_limit_is_a_setting(api_a, settings):
    settings.JSON_MAX_DEPTH = 3
    response = api_a.post(SERVICES, data={"name": "payments", "slug": "payments", "x": [[[[1]]]]}, format="json")
    assert response.status_code == 400 and "deeper than 3 levels" in response.json()["error"]["message"]
    assert api_a.post(SERVICES, data={"name": "payments", "slug": "payments"}, format="json").status_code == 201


def test_the_api_refuses_a_body_over_max_request_bytes_with_413(api_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    response = api_a.post(SERVICES, data={"name": "payments", "description": "x" * 300}, format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


@pytest.fixture
def generic(org_a):
    return ConnectionFactory(organization=org_a, kind="generic", name="generic", webhook_secret="hook-secret")


def test_a_webhook_nested_1000_deep_answers_400_json_and_is_stored_failed(client, owner_a, org_a, in_org, generic):
    raw = ('{"external_id": "r1", "pipeline": "ci", "status": "succeeded", "extra": ' + nested(1000) + "}").encode()
    response = post(client, generic, "generic", "pipeline_run.json", raw)
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert "deeper than 64 levels" in response.json()["error"]["message"]
    with in_org(org_a):
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "failed" and "deeper than 64 levels" in delivery.outcome
    # The deliveries page shows the stored body as it came.
    client.force_login(owner_a)
    page = client.get(f"/o/acme/integrations/deliveries/{delivery.pk}/")
    assert page.status_code == 200 and b"[[[[" in page.content


def test_a_webhook_honours_max_request_bytes(client, org_a, in_org, generic, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200
    raw = json.dumps({"external_id": "r1", "pipeline": "ci", "status": "succeeded", "pad": "x" * 300}).encode()
    response = post(client, generic, "generic", "pipeline_run.json", raw)
    assert response.status_code == 413 and response.json()["error"]["code"] == "payload_too_large"
    with in_org(org_a):
        assert not WebhookDelivery.objects.exists()


def test_webhook_errors_are_json_even_when_unexpected(client, generic, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("integrations.hooks.webhook_receive", broken)
    client.raise_request_exception = False
    response = client.post(f"/hooks/{generic.pk}/", data=b"{}", content_type="application/json")
    assert response.status_code == 500 and response.json()["error"]["code"] == "server_error"
    unknown = client.post("/hooks/not-a-number/", data=b"{}", content_type="application/json")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "not_found"
