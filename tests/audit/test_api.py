"""The read-only audit API: /api/v1/orgs/<org>/audit-events/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import AuditEventFactory
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def url(org, path: str = "") -> str:
    return f"/api/v1/orgs/{org.slug}/audit-events/{path}"


def client_with(token_client, org, role):
    return token_client(org, role=role, name=role)


@pytest.fixture
def trail(org_a, org_b):
    AuditEventFactory(organization=org_b, object_repr="CANARY-B thing")
    return [
        AuditEventFactory(organization=org_a, occurred_at=datetime(2026, 3, 1, 9, tzinfo=UTC), action="service.created",
                          object_type="catalog.service", object_id="1", actor_label="owner@acme.test",
                          after={"name": "Payments"}),
        AuditEventFactory(organization=org_a, occurred_at=datetime(2026, 3, 2, 9, tzinfo=UTC), action="service.updated",
                          object_type="catalog.service", object_id="1", actor_label="token:ci",
                          before={"name": "Payments"}, after={"name": "Payments API"}),
        AuditEventFactory(organization=org_a, occurred_at=datetime(2026, 3, 3, 9, tzinfo=UTC), action="team.created",
                          object_type="catalog.team", object_id="7", actor_label="owner@acme.test",
                          after={"name": "Checkout"}),
    ]


def actions(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [e["action"] for e in response.json()["results"]]


def test_the_trail_lists_this_orgs_events_with_before_and_after(api_owner_a, org_a, trail):
    response = api_owner_a.get(url(org_a), {"action": "service.updated"})
    [event] = response.json()["results"]
    assert event == {
        "id": trail[1].pk, "occurred_at": "2026-03-02T09:00:00Z", "actor": "token:ci", "action": "service.updated",
        "object_type": "catalog.service", "object_id": "1", "object_repr": "a thing",
        "before": {"name": "Payments"}, "after": {"name": "Payments API"}, "message": "", "request_id": ""}
    assert "CANARY-B" not in api_owner_a.get(url(org_a)).content.decode()


@pytest.mark.parametrize("params, expected", [
    ({}, ["team.created", "service.updated", "service.created"]),
    ({"action": "service."}, ["service.updated", "service.created"]),
    ({"object_type": "catalog.team"}, ["team.created"]),
    ({"object_type": "catalog.service", "object_id": "1"}, ["service.updated", "service.created"]),
    ({"actor": "token:"}, ["service.updated"]),
    ({"since": "2026-03-02", "until": "2026-03-02"}, ["service.updated"]),
])
def test_filters(api_owner_a, org_a, trail, params, expected):
    # The token creation of the fixture is in the trail too; it is not a catalog change.
    found = [a for a in actions(api_owner_a.get(url(org_a), params)) if not a.startswith("api_token.")]
    assert found == expected


@pytest.mark.parametrize("params, field", [
    ({"since": "soon"}, "since"),
    ({"until": "2026-02-30"}, "until"),
    ({"since": "2026-03-03", "until": "2026-03-01"}, "until"),
    ({"actor": "x" * 300}, "actor"),
    ({"action": "x" * 81}, "action"),
])
def test_bad_filters_get_400_naming_the_field(api_owner_a, org_a, trail, params, field):
    response = api_owner_a.get(url(org_a), params)
    assert response.status_code == 400 and field in response.json()["error"]["fields"]


def test_one_event_and_org_b_events_are_not_found(api_owner_a, org_a, org_b, trail):
    assert api_owner_a.get(url(org_a, f"{trail[0].pk}/")).json()["action"] == "service.created"
    canary = AuditEventFactory(organization=org_b, object_repr="CANARY-B secret")
    response = api_owner_a.get(url(org_a, f"{canary.pk}/"))
    assert response.status_code == 404 and "CANARY-B" not in response.content.decode()


@pytest.mark.parametrize("method, path", [
    ("post", ""), ("put", "{id}/"), ("patch", "{id}/"), ("delete", "{id}/"), ("post", "{id}/")])
def test_the_trail_cannot_be_written_through_the_api(api_owner_a, org_a, trail, method, path):
    response = getattr(api_owner_a, method)(url(org_a, path.format(id=trail[0].pk)), {"action": "x"}, format="json")
    assert response.status_code == 405


@pytest.mark.parametrize("role, status", [
    (Role.OWNER, 200), (Role.RELEASE_MANAGER, 200), (Role.ENVIRONMENT_MANAGER, 200),
    (Role.ENGINEER, 403), (Role.VIEWER, 403), (Role.APPROVER, 403),
])
def test_reading_the_trail_needs_view_audit(token_client, org_a, trail, role, status):
    client = client_with(token_client, org_a, role)
    assert client.get(url(org_a)).status_code == status
    assert client.get(url(org_a, f"{trail[0].pk}/")).status_code == status


# org, context set, token, token last use, count, page, context reset
@pytest.mark.parametrize("events", [3, 30])
def test_the_list_query_budget_does_not_grow_with_events(api_owner_a, org_a, org_b, django_assert_max_num_queries,
                                                         events):
    AuditEventFactory.create_batch(events, organization=org_a, before={"a": 1}, after={"a": 2})
    with django_assert_max_num_queries(7):
        response = api_owner_a.get(url(org_a), {"action": "thing."})
    assert response.json()["count"] == events
