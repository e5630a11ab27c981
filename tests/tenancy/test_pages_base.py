"""The base page view: organization from the URL, membership, roles, time zone, query budget."""

from __future__ import annotations

import pytest

from tests.factories import AuditEventFactory
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def test_org_home_shows_the_org_and_recent_changes(client_a, org_a, org_b):
    AuditEventFactory(organization=org_a, action="service.created", object_repr="payments-api")
    AuditEventFactory(organization=org_b, action="service.created", object_repr="CANARY-B thing")
    body = client_a.get(f"/o/{org_a.slug}/").content.decode()
    assert "payments-api" in body and "CANARY-B" not in body


@pytest.mark.parametrize("events", [1, 30])
def test_org_home_query_budget_does_not_grow_with_data(client_a, org_a, django_assert_max_num_queries, events):
    from tests.factories import ServiceFactory, ValueStreamFactory

    for n in range(events):
        AuditEventFactory(organization=org_a, object_repr=f"thing {n}")
        ServiceFactory(organization=org_a, value_stream=ValueStreamFactory(organization=org_a))
    # session, user, org, membership, 3 counts, switcher (4), stream list, events, context set/reset,
    # the freeze banner (the freeze windows in force: one query) and the open incidents (one query)
    with django_assert_max_num_queries(16):
        assert client_a.get(f"/o/{org_a.slug}/").status_code == 200


def test_times_are_shown_in_the_viewers_zone_else_the_orgs(client_a, org_a, owner_a):
    from datetime import UTC, datetime

    AuditEventFactory(organization=org_a, occurred_at=datetime(2026, 7, 1, 12, 0, tzinfo=UTC), object_repr="x")
    org_a.time_zone = "Asia/Tokyo"
    org_a.save()
    assert "Jul 1, 21:00" in client_a.get(f"/o/{org_a.slug}/").content.decode()
    owner_a.time_zone = "America/New_York"
    owner_a.save()
    assert "Jul 1, 08:00" in client_a.get(f"/o/{org_a.slug}/").content.decode()


@pytest.mark.parametrize("path", ["settings/", "settings/members/", "settings/tokens/"])
def test_a_viewer_cannot_open_the_admin_pages(client, org_a, member_factory, path):
    client.force_login(member_factory(Role.VIEWER))
    assert client.get(f"/o/{org_a.slug}/{path}").status_code == 403


def test_a_viewer_sees_no_admin_links(client, org_a, member_factory):
    client.force_login(member_factory(Role.VIEWER))
    body = client.get(f"/o/{org_a.slug}/").content.decode()
    assert "/settings/members/" not in body and "/settings/tokens/" not in body
