"""The releases endpoints are in the OpenAPI schema, without a warning, with examples for CI."""

from __future__ import annotations

import pytest

PREFIX = "/api/v1/orgs/{org_slug}/"
PATHS = {
    "freeze-windows/": {"get", "post"}, "freeze-windows/{id}/": {"get", "put", "patch", "delete"},
    "freeze-windows/{id}/overrides/": {"post"}, "freeze-windows/active/": {"get"},
    "releases/": {"get", "post"}, "releases/{id}/": {"get", "patch"}, "releases/{id}/advance/": {"post"},
    "releases/{id}/phases/": {"post"}, "releases/{id}/dependencies/": {"post"},
    "releases/{id}/activities/": {"post"}, "releases/{id}/evidence/": {"get"},
    "phases/{id}/": {"get", "patch", "delete"}, "phases/{id}/collisions/": {"get"},
    "release-templates/": {"get", "post"}, "release-templates/{id}/": {"get", "patch", "delete"},
    "release-dependencies/{id}/": {"get", "delete"},
    "deployment-activities/{id}/": {"get", "patch", "delete"}, "deployment-activities/{id}/complete/": {"post"},
    "release-slots/": {"get", "post"}, "release-slots/{id}/": {"get", "patch", "delete"},
    "release-slots/{id}/slots/": {"get"}, "release-slots/{id}/bookings/": {"post"},
    "slot-bookings/": {"get"}, "slot-bookings/{id}/": {"get", "delete"},
    "release-settings/": {"get", "patch"},
    "deployment-checks/": {"get", "post"}, "deployment-checks/{id}/": {"get"},
}
WITH_EXAMPLES = ["freeze-windows/", "releases/", "release-templates/", "release-slots/", "deployment-checks/"]


def test_no_warning_concerns_the_releases_api(generated):
    _schema, messages = generated
    assert [m for m in messages if "releases" in m] == []


@pytest.mark.parametrize(("path", "methods"), PATHS.items())
def test_every_endpoint_and_method_is_described(generated, path, methods):
    schema, _messages = generated
    assert set(schema["paths"][PREFIX + path]) - {"parameters"} == methods


@pytest.mark.parametrize("path", WITH_EXAMPLES)
def test_creates_have_examples_and_their_own_input(generated, path):
    schema, _messages = generated
    create = schema["paths"][PREFIX + path]["post"]
    body = create["requestBody"]["content"]["application/json"]
    assert body["examples"], path
    answers = create["responses"].get("201") or create["responses"]["200"]
    assert body["schema"]["$ref"] != answers["content"]["application/json"]["schema"]["$ref"]
