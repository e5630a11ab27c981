"""The freeze windows API."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from releases.models import FreezeOverride, FreezeScope, FreezeWindow, ReleaseKind
from tests.releases.factories import FreezeWindowEnvironmentFactory, FreezeWindowFactory, ReleaseFactory, soon
from vsm.audit.models import AuditEvent
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs/acme"


@pytest.fixture
def rm(org_a, token_client) -> APIClient:
    return token_client(org_a, role=Role.RELEASE_MANAGER, name="rm")


def test_post_with_name_start_and_end_makes_a_one_off_organization_wide_window(world, rm, in_a):
    response = rm.post(f"{API}/freeze-windows/", {"name": "Year-end", "starts_at": "2025-12-20T00:00:00+01:00",
                                                  "ends_at": "2026-01-05T00:00:00+01:00"}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["scope"], data["rrule"], data["environments"]) == ("organization", "", [])
    assert FreezeWindow.objects.get(pk=data["id"]).name == "Year-end"


def test_a_recurring_environment_window_round_trips(world, rm):
    response = rm.post(f"{API}/freeze-windows/", {
        "name": "Weekend", "starts_at": "2025-03-07T16:00:00+01:00", "ends_at": "2025-03-10T08:00:00+01:00",
        "rrule": "FREQ=WEEKLY;BYDAY=FR", "time_zone": "Europe/Berlin", "environments": ["payments-prod"],
        "exdates": ["2025-04-18T16:00:00+02:00"], "reason": "Nobody on call"}, format="json")
    assert response.status_code == 201, response.content
    data = rm.get(f"{API}/freeze-windows/{response.json()['id']}/").json()
    assert (data["scope"], data["environments"], data["time_zone"]) == ("environments", ["payments-prod"],
                                                                         "Europe/Berlin")
    assert data["exdates"] == ["2025-04-18T14:00:00Z"] and data["last_ends_at"] is None


@pytest.mark.parametrize(("payload", "field"), [
    ({"starts_at": "2025-12-20T00:00:00+01:00", "ends_at": "2026-01-05T00:00:00+01:00"}, "name"),
    ({"name": "x", "ends_at": "2026-01-05T00:00:00+01:00"}, "starts_at"),
    ({"name": "x", "starts_at": "2025-12-20T00:00:00", "ends_at": "2026-01-05T00:00:00+01:00"}, "starts_at"),
    ({"name": "x", "starts_at": "2026-01-05T00:00:00+01:00", "ends_at": "2025-12-20T00:00:00+01:00"}, "ends_at"),
    ({"name": "x", "starts_at": "2025-12-20T00:00:00+01:00", "ends_at": "2026-01-05T00:00:00+01:00",
      "rrule": "EVERY FRIDAY"}, "rrule"),
    ({"name": "x", "starts_at": "2025-12-20T00:00:00+01:00", "ends_at": "2025-12-21T00:00:00+01:00",
      "rrule": "FREQ=WEEKLY", "time_zone": "Europe/Atlantis"}, "time_zone"),
    ({"name": "x", "starts_at": "2025-12-20T00:00:00+01:00", "ends_at": "2026-01-05T00:00:00+01:00",
      "environments": ["nowhere"]}, "environments"),
    ({"name": "x", "starts_at": "2025-12-20T00:00:00+01:00", "ends_at": "2026-01-05T00:00:00+01:00",
      "scope": "value_stream"}, "value_stream"),
    ({"name": "x", "starts_at": "2025-12-20T00:00:00+01:00", "ends_at": "2026-01-05T00:00:00+01:00",
      "tier": "moon"}, "tier"),
])
def test_bad_input_answers_400_naming_the_field(world, rm, payload, field):
    response = rm.post(f"{API}/freeze-windows/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_update_and_delete(world, rm, in_a):
    window = FreezeWindowFactory(organization=world.stream.organization, name="Old")
    response = rm.patch(f"{API}/freeze-windows/{window.pk}/", {"name": "Renamed", "tier": "production",
                                                               "scope": "tier"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["scope"]) == ("Renamed", FreezeScope.TIER)
    bad = rm.patch(f"{API}/freeze-windows/{window.pk}/", {"rrule": "FREQ=SECONDLY"}, format="json")
    assert bad.status_code == 400 and "rrule" in bad.json()["error"]["fields"]
    assert rm.delete(f"{API}/freeze-windows/{window.pk}/").status_code == 204
    assert not FreezeWindow.objects.filter(pk=window.pk).exists()


def test_engineers_read_but_do_not_write(world, api_a):
    assert api_a.get(f"{API}/freeze-windows/").status_code == 200
    response = api_a.post(f"{API}/freeze-windows/", {"name": "x", "starts_at": "2025-12-20T00:00:00+01:00",
                                                     "ends_at": "2026-01-05T00:00:00+01:00"}, format="json")
    assert response.status_code == 403


def test_the_list_is_paginated_in_a_fixed_number_of_queries(world, rm, org_a, assert_max_queries):
    for env in (world.sit, world.uat, world.prod):
        for _ in range(4):
            FreezeWindowEnvironmentFactory(organization=org_a, environment=env)
    with assert_max_queries(8):
        response = rm.get(f"{API}/freeze-windows/?current=true")
    assert response.json()["count"] == 12


def test_active_freezes_with_their_end(world, rm, org_a):
    window = FreezeWindowFactory(organization=org_a, scope="tier", tier="production", name="Go-live freeze")
    assert [o["window"]["id"] for o in rm.get(f"{API}/freeze-windows/active/?environment=payments-prod").json()] \
        == [window.pk]
    assert rm.get(f"{API}/freeze-windows/active/?environment=payments-sit").json() == []
    assert rm.get(f"{API}/freeze-windows/active/?environment=nowhere").status_code == 400


def test_a_ci_token_may_not_break_the_glass_even_for_an_emergency_release(world, org_a, in_a, token_client):
    window = FreezeWindowFactory(organization=org_a)
    hotfix = ReleaseFactory(organization=org_a, kind=ReleaseKind.EMERGENCY, value_stream=world.stream)
    for role in (Role.ENGINEER, Role.RELEASE_MANAGER, Role.ADMIN):
        client = token_client(org_a, role=role, name=f"ci-{role}")
        refused = client.post(f"{API}/freeze-windows/{window.pk}/overrides/",
                              {"release": hotfix.pk, "reason": "INC-1234 payments down"}, format="json")
        assert refused.status_code == 403, (role, refused.content)
        assert "person's decision" in refused.json()["error"]["message"]
        assert "TOKENS_MAY_BREAK_GLASS" in refused.json()["error"]["message"]
    assert not FreezeOverride.objects.exists()
    assert not AuditEvent.objects.filter(action="freezeoverride.granted").exists()


@override_settings(TOKENS_MAY_BREAK_GLASS=True)
def test_break_glass_for_an_emergency_release_from_a_ci_token_when_allowed(world, api_a, org_a, in_a):
    window = FreezeWindowFactory(organization=org_a)
    hotfix = ReleaseFactory(organization=org_a, kind=ReleaseKind.EMERGENCY, value_stream=world.stream)
    normal = ReleaseFactory(organization=org_a, value_stream=world.stream)
    refused = api_a.post(f"{API}/freeze-windows/{window.pk}/overrides/", {"release": normal.pk, "reason": "pls"},
                         format="json")
    assert refused.status_code == 403
    response = api_a.post(f"{API}/freeze-windows/{window.pk}/overrides/",
                          {"release": hotfix.pk, "reason": "INC-1234 payments down"}, format="json")
    assert response.status_code == 201, response.content
    assert FreezeOverride.objects.get().expires_at == window.ends_at
    missing = api_a.post(f"{API}/freeze-windows/{window.pk}/overrides/", {"release": hotfix.pk}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["error"]["fields"]


def test_an_override_expiring_in_the_past_is_refused_naming_it(world, api_as, org_a):
    window = FreezeWindowFactory(organization=org_a)
    release = ReleaseFactory(organization=org_a)
    response = api_as(Role.RELEASE_MANAGER).post(f"{API}/freeze-windows/{window.pk}/overrides/", {
        "release": release.pk, "reason": "x", "expires_at": soon(-1).isoformat()}, format="json")
    assert response.status_code == 400 and "expires_at" in response.json()["error"]["fields"]
