"""Every list endpoint's filters are a FilterSet: the schema lists each with its type, and a value
that does not parse answers 400 in the error shape, naming the parameter."""

from __future__ import annotations

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

PREFIX = "/api/v1/orgs/{org_slug}/"
STRING, DATE, INTEGER = {"type": "string"}, {"type": "string", "format": "date"}, {"type": "integer"}
DATETIME, BOOLEAN = {"type": "string", "format": "date-time"}, {"type": "boolean"}
UNKNOWN_SLUG = "no-such-slug"

# the integrations records' common filters
RECORD = {"service": (STRING, UNKNOWN_SLUG), "source": (STRING, "nope"), "since": (DATETIME, "2030-01-01T00:00"),
          "until": (DATETIME, "9999-12-31T23:30:00-01:00")}

# path -> {parameter: (its schema, a value that does not parse, or None for any text)}
FILTERS: dict[str, dict[str, tuple[dict, str | None]]] = {
    "services/": {"value_stream": (STRING, UNKNOWN_SLUG), "team": (STRING, UNKNOWN_SLUG),
                  "search": (STRING, "x" * 121)},
    "value-streams/": {}, "teams/": {},
    "audit-events/": {"action": (STRING, "x" * 81), "object_type": (STRING, "x" * 81),
                      "object_id": (STRING, "x" * 65), "actor": (STRING, "x" * 255),
                      "since": (DATE, "soon"), "until": (DATE, "2026-02-30")},
    "members/": {}, "invitations/": {}, "tokens/": {},
    "gates/": {"status": (STRING, "nope"), "kind": (STRING, "nope")},
    "ci-results/": {"name": (STRING, "x" * 201), "subject": (STRING, "x" * 201)},
    "connections/": {},
    "sync-runs/": {"connection": (INTEGER, "1.5"), "status": (STRING, "nope")},
    "webhook-deliveries/": {"connection": (INTEGER, "1.5"), "status": (STRING, "nope"),
                            "event": (STRING, "x" * 121)},
    "environments/": {"tier": (STRING, "nope"), "group": (STRING, UNKNOWN_SLUG),
                      "value_stream": (STRING, UNKNOWN_SLUG), "search": (STRING, "x" * 101)},
    "environment-groups/": {},
    "environments/{env_slug}/leases/": {},
    "bookings/": {"environment": (STRING, UNKNOWN_SLUG), "team": (STRING, UNKNOWN_SLUG), "status": (STRING, "nope"),
                  "from": (DATETIME, "2030-01-01T00:00"), "to": (DATETIME, "soon"), "mine": (BOOLEAN, "perhaps")},
    "outages/": {"environment": (STRING, UNKNOWN_SLUG), "from": (DATETIME, "0001-01-01T00:30:00+01:00"),
                 "to": (DATETIME, "2030-02-30T00:00:00Z")},
    "deployment-approvals/": {"environment": (STRING, UNKNOWN_SLUG), "status": (STRING, "nope")},
    "provisioning-requests/": {"team": (STRING, UNKNOWN_SLUG), "status": (STRING, "nope")},
    "freeze-windows/": {"scope": (STRING, "nope"), "value_stream": (STRING, UNKNOWN_SLUG),
                        "current": (BOOLEAN, "perhaps")},
    "freeze-windows/active/": {"environment": (STRING, UNKNOWN_SLUG), "value_stream": (STRING, UNKNOWN_SLUG)},
    "releases/": {"status": (STRING, "nope"), "kind": (STRING, "nope"), "value_stream": (STRING, UNKNOWN_SLUG),
                  "parent": (INTEGER, "1.5"), "search": (STRING, "x" * 101)},
    "deployment-checks/": {"service": (STRING, "x" * 61), "environment": (STRING, "x" * 61),
                           "decision": (STRING, "nope"), "release": (INTEGER, str(2**63))},
    "deployments/": {**RECORD, "environment": (STRING, UNKNOWN_SLUG), "status": (STRING, "nope"),
                     "kind": (STRING, "nope"), "production": (BOOLEAN, "perhaps")},
    "incidents/": {**RECORD, "environment": (STRING, UNKNOWN_SLUG), "status": (STRING, "nope"),
                   "severity": (INTEGER, "5")},
    "pipeline-runs/": {**RECORD, "status": (STRING, "nope"), "branch": (STRING, "x" * 256),
                       "commit_sha": (STRING, "not-a-sha")},
    "commits/": {**RECORD, "sha": (STRING, "abc")},
    "pull-requests/": {**RECORD, "state": (STRING, "nope")},
    "work-items/": {**RECORD, "status_category": (STRING, "nope"), "flow_type": (STRING, "nope"),
                    "project": (STRING, "x" * 121), "key": (STRING, "x" * 61)},
    "metrics/goals/": {"scope": (STRING, "nope"), "metric": (STRING, "nope"), "value_stream": (STRING, UNKNOWN_SLUG),
                       "team": (STRING, UNKNOWN_SLUG)},
    "change-requests/": {**RECORD, "state": (STRING, "nope"), "approval": (STRING, "nope"), "type": (STRING, "nope"),
                         "number": (STRING, "x" * 61)},
}
PAGINATION = {"page", "page_size"}


@pytest.fixture(scope="module")
def schema():
    with GENERATOR_STATS.silence():
        return SchemaGenerator().get_schema(request=None, public=True)


@pytest.mark.parametrize("path", FILTERS)
def test_the_schema_lists_each_filter_with_its_type(schema, path):
    query = {p["name"]: p["schema"] for p in schema["paths"][PREFIX + path]["get"]["parameters"] if p["in"] == "query"}
    assert set(query) - PAGINATION == set(FILTERS[path])
    for name, (expected, _bad) in FILTERS[path].items():
        assert {key: query[name][key] for key in expected} == expected, name


@pytest.mark.parametrize("path, name, bad", [(path, name, bad) for path, params in FILTERS.items()
                                             for name, (_schema, bad) in params.items() if bad is not None])
def test_a_bad_value_answers_400_naming_the_parameter(api_owner_a, org_a, path, name, bad):
    response = api_owner_a.get(f"/api/v1/orgs/{org_a.slug}/{path}", {name: bad})
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == [name], error
    assert name in error["message"]


@pytest.mark.parametrize("path, name", [("bookings/", "from"), ("bookings/", "mine"), ("deployments/", "since"),
                                        ("deployments/", "production")])
def test_the_schema_describes_a_time_or_boolean_filter_by_its_help_text(schema, path, name):
    query = {p["name"]: p for p in schema["paths"][PREFIX + path]["get"]["parameters"] if p["in"] == "query"}
    assert query[name].get("description"), name
