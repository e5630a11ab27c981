"""The published schema says what each operation can answer (vsm.api.schema.AutoSchema): the
error responses in the one error shape, `null` and `""` where columns allow them, plain lists
from actions that do not page. tests/api/test_fuzz.py checks real answers against it."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from vsm.api.errors import error_body

PREFIX = "/api/v1/orgs/{org_slug}/"
METHODS = {"get", "post", "put", "patch", "delete"}
EVERYWHERE = {"401", "403", "404", "429", "503"}


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def _ref(response) -> str:
    return response["content"]["application/json"]["schema"]["$ref"]


def test_every_operation_declares_the_errors_it_can_answer_in_the_error_shape(schema):
    checked = 0
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        takes_query = any(p["in"] == "query" for p in operation.get("parameters", []))
        expected = set(EVERYWHERE)
        if method != "get" and method != "delete":
            expected |= {"400", "409", "413"}
        elif method == "delete":
            expected |= {"409"} | ({"400"} if takes_query else set())
        elif takes_query:
            expected.add("400")
        errors = {code for code in responses if code >= "400"}
        assert errors == expected, f"{method.upper()} {path}"
        assert all(_ref(responses[code]) == "#/components/schemas/Error" for code in errors), f"{method} {path}"
        assert all(responses[code]["description"] for code in errors), f"{method} {path}"
        checked += 1
    assert checked > 150


def test_a_read_without_parameters_declares_no_bad_input(schema):
    detail = schema["paths"][PREFIX + "services/{slug}/"]["get"]["responses"]
    assert "400" not in detail and "409" not in detail and "413" not in detail


def test_an_operations_own_error_description_is_kept(schema):
    advance = schema["paths"][PREFIX + "releases/{id}/advance/"]["post"]["responses"]
    assert advance["409"]["content"]["application/json"]["examples"]


def test_the_error_component_is_the_shape_the_handler_answers(schema):
    components = schema["components"]["schemas"]
    error = components["Error"]
    assert error["required"] == ["error"]
    body_schema = components[error["properties"]["error"]["$ref"].rsplit("/", 1)[1]]
    body = error_body("invalid", "Invalid input.", {"name": ["Required."]}, {"row": 1})["error"]
    assert set(body) == set(body_schema["properties"])
    assert set(body_schema["required"]) == {"code", "message"}
    minimal = error_body("not_found", "Not found.")["error"]
    assert set(minimal) == set(body_schema["required"])


def test_read_only_fields_over_optional_columns_are_nullable_and_blank_urls_may_be_empty(schema):
    components = schema["components"]["schemas"]
    booking = components["Booking"]["properties"]
    assert booking["decided_by"]["nullable"] and booking["group"]["nullable"]
    assert "nullable" not in booking["environment"]  # a booking always has one
    url = components["Deployment"]["properties"]["url"]
    assert {"type": "string", "maxLength": 0} in url["oneOf"]


def test_only_list_actions_answer_a_page(schema):
    def answer(path, method, code="200"):
        return schema["paths"][PREFIX + path][method]["responses"][code]["content"]["application/json"]["schema"]

    assert answer("freeze-windows/", "get")["$ref"].endswith("PaginatedFreezeWindowList")
    assert answer("freeze-windows/active/", "get")["type"] == "array"
    assert answer("release-slots/{id}/slots/", "get")["type"] == "array"
    assert answer("commits/", "post", "201")["type"] == "array"
    active = schema["paths"][PREFIX + "freeze-windows/active/"]["get"]["parameters"]
    assert "page" not in {p["name"] for p in active}
