"""The audit viewer: /o/<org>/audit/ and /o/<org>/audit/<id>/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.factories import AuditEventFactory
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def page(org, path: str = "") -> str:
    return f"/o/{org.slug}/audit/{path}"


@pytest.fixture
def trail(org_a, org_b):
    """Three events in A, one canary in B."""
    AuditEventFactory(organization=org_b, object_repr="CANARY-B thing", actor_label="canary@globex.test")
    return [
        AuditEventFactory(organization=org_a, occurred_at=datetime(2026, 3, 1, 9, tzinfo=UTC), action="service.created",
                          object_type="catalog.service", object_id="1", object_repr="payments-api",
                          actor_label="owner@acme.test", after={"name": "Payments", "slug": "payments-api"}),
        AuditEventFactory(organization=org_a, occurred_at=datetime(2026, 3, 2, 9, tzinfo=UTC), action="service.updated",
                          object_type="catalog.service", object_id="1", object_repr="payments-api",
                          actor_label="token:ci", before={"name": "Payments", "slug": "payments-api"},
                          after={"name": "Payments API", "slug": "payments-api"}),
        AuditEventFactory(organization=org_a, occurred_at=datetime(2026, 3, 3, 9, tzinfo=UTC), action="team.created",
                          object_type="catalog.team", object_id="7", object_repr="checkout",
                          actor_label="owner@acme.test", after={"name": "Checkout"}),
    ]


def reprs(response) -> list[str]:
    return [event.action for event, _changes, _changed in response.context["rows"]]


def test_the_trail_shows_this_orgs_events_newest_first(client_a, org_a, trail):
    response = client_a.get(page(org_a))
    assert response.status_code == 200
    assert reprs(response) == ["team.created", "service.updated", "service.created"]
    assert "CANARY-B" not in response.content.decode()


@pytest.mark.parametrize("params, expected", [
    ({"action": "service."}, ["service.updated", "service.created"]),
    ({"action": "team.created"}, ["team.created"]),
    ({"object_type": "catalog.team"}, ["team.created"]),
    ({"actor": "TOKEN:"}, ["service.updated"]),
    ({"since": "2026-03-02"}, ["team.created", "service.updated"]),
    ({"until": "2026-03-01"}, ["service.created"]),
    ({"since": "2026-03-02", "until": "2026-03-02"}, ["service.updated"]),
    ({"action": "service.", "actor": "owner"}, ["service.created"]),
])
def test_filters_narrow_the_trail(client_a, org_a, trail, params, expected):
    response = client_a.get(page(org_a), params)
    assert response.status_code == 200 and reprs(response) == expected


@pytest.mark.parametrize("params, field", [
    ({"since": "yesterday"}, "since"),
    ({"until": "2026-13-40"}, "until"),
    ({"since": "2026-03-03", "until": "2026-03-01"}, "until"),
    ({"object_type": "catalog.nothing"}, "object_type"),
    ({"actor": "x" * 300}, "actor"),
])
def test_bad_filters_answer_400_naming_the_field(client_a, org_a, trail, params, field):
    response = client_a.get(page(org_a), params)
    assert response.status_code == 400 and field in response.context["form"].errors


def test_each_row_expands_to_the_changed_fields(client_a, org_a, trail):
    body = client_a.get(page(org_a), {"action": "service.updated"}).content.decode()
    assert "1 of 2 fields changed" in body
    assert '<tr class="changed">' in body
    assert "<del>&quot;Payments&quot;</del>" in body and "<ins>&quot;Payments API&quot;</ins>" in body
    # The unchanged slug is listed, not highlighted.
    assert '<tr>\n      <th scope="row">slug</th>' in body


def test_the_trail_is_paginated_by_50_and_keeps_filters(client_a, org_a, org_b):
    AuditEventFactory.create_batch(51, organization=org_a, action="service.updated")
    first = client_a.get(page(org_a), {"action": "service."})
    assert len(first.context["rows"]) == 50 and first.context["page_obj"].paginator.num_pages == 2
    assert "?action=service.&amp;page=2" in first.content.decode()
    assert len(client_a.get(page(org_a), {"action": "service.", "page": 2}).context["rows"]) == 1


# session, user, org, context set, membership, org switcher (4), actions, object types, count, page, context reset
@pytest.mark.parametrize("events", [3, 30, 80])
def test_the_trail_query_budget_does_not_grow_with_events(client_a, org_a, org_b, django_assert_max_num_queries,
                                                          events):
    for n in range(events):
        AuditEventFactory(organization=org_a, action=f"thing.{n % 4}", before={"n": n}, after={"n": n + 1})
    with django_assert_max_num_queries(14):
        response = client_a.get(page(org_a))
    assert response.status_code == 200 and response.context["page_obj"].paginator.count == events


def test_an_event_has_its_own_page(client_a, org_a, trail):
    event = trail[1]
    response = client_a.get(page(org_a, f"{event.pk}/"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "service updated" in body and "token:ci" in body and '<tr class="changed">' in body


def test_org_b_events_are_not_found(client_a, org_a, org_b, trail):
    canary = AuditEventFactory(organization=org_b, object_repr="CANARY-B secret")
    response = client_a.get(page(org_a, f"{canary.pk}/"))
    assert response.status_code == 404 and "CANARY-B" not in response.content.decode()


@pytest.mark.parametrize("role, status", [
    (Role.OWNER, 200), (Role.ADMIN, 200), (Role.RELEASE_MANAGER, 200), (Role.ENVIRONMENT_MANAGER, 200),
    (Role.ENGINEER, 403), (Role.APPROVER, 403), (Role.VIEWER, 403),
])
def test_only_roles_that_may_view_the_audit_read_it(client, org_a, trail, member_factory, role, status):
    client.force_login(member_factory(role))
    assert client.get(page(org_a)).status_code == status
    assert client.get(page(org_a, f"{trail[0].pk}/")).status_code == status


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_viewer_is_read_only(client_a, org_a, trail, method):
    assert getattr(client_a, method)(page(org_a)).status_code == 405
    assert getattr(client_a, method)(page(org_a, f"{trail[0].pk}/")).status_code == 405


def test_an_empty_trail_says_so(client_a, org_a, org_b):
    AuditEventFactory(organization=org_b)
    body = client_a.get(page(org_a)).content.decode()
    assert "Nothing has changed yet" in body


def test_re_evaluations_that_changed_nothing_are_folded_until_asked_for(client_a, org_a, trail):
    """Automated re-evaluations flood the trail with "0 of 1 field changed": folded behind a
    link that keeps the filters."""
    for hour in range(10, 13):
        AuditEventFactory(organization=org_a, occurred_at=datetime(2026, 3, 3, hour, tzinfo=UTC),
                          action="gate.evaluated", object_type="gates.gate", object_id="3", object_repr="UAT entry",
                          actor_label="system:gates", before={"status": "pending"}, after={"status": "pending"})
    folded = client_a.get(page(org_a))
    assert reprs(folded) == ["team.created", "service.updated", "service.created"]
    body = folded.content.decode()
    assert 'data-testid="audit-folded"' in body and "3 events that changed nothing" in body
    assert 'href="?all=1"' in body
    everything = client_a.get(page(org_a), {"all": "1"})
    assert reprs(everything)[:3] == ["gate.evaluated"] * 3 and len(reprs(everything)) == 6
    assert 'data-testid="audit-folded"' not in everything.content.decode()
    filtered = client_a.get(page(org_a), {"action": "gate."}).content.decode()
    assert 'href="?action=gate.&amp;all=1"' in filtered
    assert ">gates.gate<" not in filtered and "gate evaluated" not in filtered  # folded, and words, not codes
