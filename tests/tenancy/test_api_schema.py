"""The OpenAPI schema describes the tenancy, catalog and audit endpoints without a warning."""

from __future__ import annotations

import pytest

from vsm.audit.api import views as audit_views
from vsm.catalog.api import views as catalog_views
from vsm.tenancy.api import views as tenancy_views

PREFIX = "/api/v1/orgs/{org_slug}/"
OURS = {
    "": {"get", "patch"},
    "members/": {"get", "post"}, "members/{id}/": {"get", "patch", "delete"},
    "tokens/": {"get", "post"}, "tokens/{id}/": {"get", "delete"}, "tokens/{id}/revoke/": {"post"},
    "audit-events/": {"get"}, "audit-events/{id}/": {"get"},
    **{f"{kind}/": {"get", "post"} for kind in ("services", "value-streams", "teams")},
    **{f"{kind}/{{slug}}/": {"get", "put", "patch", "delete"} for kind in ("services", "value-streams", "teams")},
}
CREATES = ["members/", "tokens/", "services/", "value-streams/", "teams/"]
MODULES = [audit_views, catalog_views, tenancy_views]


def _names_of_ours() -> list[str]:
    names = [module.__file__ for module in MODULES]
    for module in MODULES:
        names += [name for name, value in vars(module).items() if isinstance(value, type)
                  and value.__module__ == module.__name__]
    return names


def test_no_warning_or_error_concerns_these_endpoints(generated):
    _schema, messages = generated
    ours = [m for m in messages if any(name in m for name in _names_of_ours())]
    assert ours == []


def test_every_endpoint_and_method_is_described(generated):
    schema, _messages = generated
    for path, methods in OURS.items():
        assert PREFIX + path in schema["paths"], path
        assert set(schema["paths"][PREFIX + path]) - {"parameters"} == methods, path


@pytest.mark.parametrize("path", CREATES)
def test_creates_have_an_example_and_their_own_input(generated, path):
    schema, _messages = generated
    create = schema["paths"][PREFIX + path]["post"]
    body = create["requestBody"]["content"]["application/json"]
    assert body["examples"], path
    assert body["schema"]["$ref"] != create["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]


def test_the_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert PREFIX + "services/{slug}/" in response.json()["paths"]
