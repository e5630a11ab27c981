"""The environments API as CI jobs and setup scripts use it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.environments.factories import (
    BookingFactory,
    DeploymentApprovalRequestFactory,
    EnvironmentFactory,
    EnvironmentGroupFactory,
    OutageFactory,
    ProvisioningRequestFactory,
)
from tests.environments.support import at
from tests.factories import ServiceFactory, TeamFactory, TeamMemberFactory
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs/acme"


def iso(hours: float) -> str:
    base = (timezone.now() + timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (base + timedelta(hours=hours)).isoformat()


@pytest.fixture
def env(org_a, org_b):
    EnvironmentFactory(organization=org_b, slug="sit-1", name="CANARY-B sit")
    return EnvironmentFactory(organization=org_a, name="SIT 1", slug="sit-1", tier="integration")


def body_error(response) -> dict:
    return response.json()["error"]


# --- environments ----------------------------------------------------------------------------

def test_a_setup_script_creates_an_environment_with_the_documented_field_names(org_a, token_client):
    client = token_client(org_a, role=Role.ENVIRONMENT_MANAGER)
    response = client.post(f"{API}/environments/", {
        "name": "Perf 1", "slug": "perf-1", "tier": "performance", "is_production": False, "status": "available",
        "capacity": 2, "requires_approval": True}, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert {k: data[k] for k in ("name", "slug", "tier", "is_production", "status", "capacity",
                                 "requires_approval")} == {
        "name": "Perf 1", "slug": "perf-1", "tier": "performance", "is_production": False, "status": "available",
        "capacity": 2, "requires_approval": True}
    assert client.get(f"{API}/environments/perf-1/").json()["capacity"] == 2


def test_production_needs_no_booking_unless_told(org_a, api_owner_a):
    response = api_owner_a.post(f"{API}/environments/", {"name": "Prod", "tier": "production"}, format="json")
    assert response.json()["is_production"] is True and response.json()["requires_booking"] is False


@pytest.mark.parametrize(("payload", "status", "field"), [
    ({"name": "X", "tier": "moon"}, 400, "tier"),
    ({"name": "X", "capacity": 0}, 400, "capacity"),
    ({"name": ""}, 400, "name"),
    ({"name": "X", "slug": "book"}, 400, "slug"),
    ({"name": "X", "slug": "sit-1"}, 409, "slug"),
    ({"name": "X", "owning_team": "nobody"}, 400, "owning_team"),
    ({"name": "X", "url": "not a url"}, 400, "url"),
])
def test_bad_environment_input_names_the_field(env, api_owner_a, payload, status, field):
    response = api_owner_a.post(f"{API}/environments/", payload, format="json")
    assert response.status_code == status, response.content
    assert field in body_error(response)["fields"]


def test_an_engineer_may_not_create_environments(env, api_a):
    assert api_a.post(f"{API}/environments/", {"name": "Mine"}, format="json").status_code == 403


def test_environment_list_filters_and_stays_within_its_queries(org_a, env, api_a, django_assert_max_num_queries):
    group = EnvironmentGroupFactory(organization=org_a, slug="checkout-stack")
    for i in range(12):
        EnvironmentFactory(organization=org_a, tier="uat" if i % 2 else "test", group=group if i < 4 else None)
    with django_assert_max_num_queries(8):
        response = api_a.get(f"{API}/environments/?tier=uat")
    assert response.json()["count"] == 6
    assert api_a.get(f"{API}/environments/?group=checkout-stack").json()["count"] == 4
    assert "tier" in body_error(api_a.get(f"{API}/environments/?tier=moon"))["fields"]


def test_a_team_manager_changes_their_environments_status_but_not_others(org_a, env, api_as):
    manager = api_as(Role.ENGINEER)
    team = TeamFactory(organization=org_a)
    TeamMemberFactory(organization=org_a, team=team, user=manager.user, is_manager=True)
    owned = EnvironmentFactory(organization=org_a, owning_team=team)
    change = {"status": "maintenance", "status_reason": "patching"}
    assert manager.patch(f"{API}/environments/{owned.slug}/", change, format="json").json()["status"] == "maintenance"
    assert manager.patch(f"{API}/environments/{env.slug}/", change, format="json").status_code == 403


# --- bookings --------------------------------------------------------------------------------

def test_a_ci_job_books_an_environment(env, api_a):
    response = api_a.post(f"{API}/bookings/", {
        "environment": "sit-1", "start": iso(9), "end": iso(12), "purpose": "Regression", "kind": "regression"},
        format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "approved" and data["environment"] == "sit-1" and data["requester"] == "token:ci"
    assert [b["id"] for b in data["bookings"]] == [data["id"]]


def test_an_environment_needing_approval_answers_requested(org_a, api_a):
    EnvironmentFactory(organization=org_a, slug="uat", requires_approval=True)
    response = api_a.post(f"{API}/bookings/", {"environment": "uat", "start": iso(9), "end": iso(10),
                                               "purpose": "UAT"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "requested"


def test_a_conflict_answers_409_with_the_booking_the_free_slot_and_an_alternative(org_a, env, api_a):
    taken = BookingFactory(organization=org_a, environment=env, start=at(9), hours=3,
                           team=TeamFactory(organization=org_a, slug="checkout"))
    EnvironmentFactory(organization=org_a, slug="sit-2", name="SIT 2", tier="integration")
    response = api_a.post(f"{API}/bookings/", {"environment": "sit-1", "start": iso(10), "end": iso(12),
                                               "purpose": "Regression"}, format="json")
    assert response.status_code == 409
    error = body_error(response)
    assert error["code"] == "booking_conflict"
    conflict = error["details"]["conflicts"][0]
    assert (conflict["id"], conflict["team"]) == (taken.pk, "checkout")
    assert conflict["requester"] == taken.requester_label and conflict["start"] and conflict["end"]
    assert error["details"]["next_free_slot"]["start"].startswith(iso(12)[:19])
    assert error["details"]["alternative_environment"]["slug"] == "sit-2"


def test_booking_a_group_and_a_recurrence(org_a, env, api_a):
    group = EnvironmentGroupFactory(organization=org_a, slug="stack")
    EnvironmentFactory.create_batch(2, organization=org_a, group=group)
    response = api_a.post(f"{API}/bookings/", {"group": "stack", "start": iso(9), "end": iso(10),
                                               "purpose": "e2e"}, format="json")
    assert response.status_code == 201 and len(response.json()["bookings"]) == 2
    response = api_a.post(f"{API}/bookings/", {"environment": "sit-1", "start": iso(9), "end": iso(10),
                                               "purpose": "weekly", "rrule": "FREQ=WEEKLY;COUNT=3"}, format="json")
    assert response.status_code == 201 and len(response.json()["bookings"]) == 3
    assert response.json()["series"] is not None


@pytest.mark.parametrize(("change", "field"), [
    ({"environment": "nowhere"}, "environment"),
    ({"environment": None, "group": None}, "environment"),
    ({"group": "stack"}, "environment"),  # both
    ({"start": "2030-01-01T09:00:00"}, "start"),  # no offset: refused, never guessed
    ({"start": "tomorrow"}, "start"),
    ({"end": iso(8)}, "end"),
    ({"kind": "party"}, "kind"),
    ({"purpose": ""}, "purpose"),
    ({"team": "no-such-team"}, "team"),
    ({"rrule": "FREQ=NEVER"}, "rrule"),
    ({"start": iso(-200), "end": iso(-199)}, "end"),
])
def test_bad_booking_input_answers_400_naming_the_field(org_a, env, api_a, change, field):
    EnvironmentGroupFactory(organization=org_a, slug="stack")
    payload = {"environment": "sit-1", "start": iso(9), "end": iso(10), "purpose": "x", **change}
    payload = {k: v for k, v in payload.items() if v is not None}
    response = api_a.post(f"{API}/bookings/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in body_error(response)["fields"]


def test_booking_list_filters_and_stays_within_its_queries(org_a, env, api_a, api_as,
                                                           django_assert_max_num_queries):
    me = api_as(Role.ENGINEER)
    team = TeamFactory(organization=org_a, slug="checkout")
    other = EnvironmentFactory(organization=org_a, slug="uat")
    for i in range(20):
        BookingFactory(organization=org_a, environment=env if i % 2 else other, start=at(i * 3), team=team,
                       decided_by=me.user, status="approved" if i < 15 else "requested")
    mine = BookingFactory(organization=org_a, environment=other, start=at(100), requested_by=me.user)
    with django_assert_max_num_queries(8):
        response = api_a.get(f"{API}/bookings/?environment=sit-1")
    assert response.json()["count"] == 10
    assert api_a.get(f"{API}/bookings/?status=requested").json()["count"] == 5
    window = api_a.get(f"{API}/bookings/", {"from": iso(0), "to": iso(7)}).json()
    assert [b["start"][:13] for b in window["results"]] == [iso(h)[:13] for h in (0, 3, 6)]
    assert [b["id"] for b in me.get(f"{API}/bookings/?mine=true").json()["results"]] == [mine.pk]
    assert "from" in body_error(api_a.get(f"{API}/bookings/", {"from": "2030-01-01T00:00"}))["fields"]
    assert "status" in body_error(api_a.get(f"{API}/bookings/?status=maybe"))["fields"]


def test_approval_flow_over_the_api(org_a, api_as):
    requester, approver = api_as(Role.ENGINEER), api_as(Role.APPROVER)
    EnvironmentFactory(organization=org_a, slug="uat", requires_approval=True)
    booking_id = requester.post(f"{API}/bookings/", {"environment": "uat", "start": iso(9), "end": iso(10),
                                                     "purpose": "UAT"}, format="json").json()["id"]
    assert requester.post(f"{API}/bookings/{booking_id}/approve/", {}, format="json").status_code == 403
    response = approver.post(f"{API}/bookings/{booking_id}/approve/", {"note": "go"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved" and response.json()["decided_by"] == approver.user.email
    assert approver.post(f"{API}/bookings/{booking_id}/reject/", {}, format="json").status_code == 409


def test_holders_extend_release_and_cancel(org_a, env, api_as):
    me = api_as(Role.ENGINEER)
    now = timezone.now()
    current = BookingFactory(organization=org_a, environment=env, requested_by=me.user,
                             start=now - timedelta(hours=1), hours=2)
    later = BookingFactory(organization=org_a, environment=env, requested_by=me.user, start=at(9))
    response = me.post(f"{API}/bookings/{later.pk}/extend/", {"end": iso(13)}, format="json")
    assert response.status_code == 200 and response.json()["end"].startswith(iso(13)[:19])
    assert "end" in body_error(me.post(f"{API}/bookings/{later.pk}/extend/", {"end": "soon"}, format="json"))["fields"]
    assert me.post(f"{API}/bookings/{current.pk}/release/").json()["status"] == "released"
    assert me.post(f"{API}/bookings/{later.pk}/cancel/", {"note": "not needed"}, format="json").json()[
        "status"] == "cancelled"
    assert me.post(f"{API}/bookings/{later.pk}/cancel/", {}, format="json").status_code == 409


# --- outages ---------------------------------------------------------------------------------

def test_outages_are_marked_by_managers_and_block_bookings(org_a, env, api_a, token_client):
    manager = token_client(org_a, role=Role.ENVIRONMENT_MANAGER)
    outage = {"environment": "sit-1", "kind": "maintenance", "start": iso(8), "end": iso(12),
              "reason": "DB upgrade"}
    assert api_a.post(f"{API}/outages/", outage, format="json").status_code == 403
    response = manager.post(f"{API}/outages/", outage, format="json")
    assert response.status_code == 201, response.content
    conflict = api_a.post(f"{API}/bookings/", {"environment": "sit-1", "start": iso(9), "end": iso(10),
                                               "purpose": "x"}, format="json")
    assert conflict.status_code == 409 and "DB upgrade" in body_error(conflict)["message"]
    assert body_error(conflict)["details"]["outages"][0]["id"] == response.json()["id"]
    assert api_a.get(f"{API}/outages/?environment=sit-1").json()["count"] == 1
    assert manager.delete(f"{API}/outages/{response.json()['id']}/").status_code == 204


@pytest.mark.parametrize(("change", "field"), [
    ({"end": None}, "end"), ({"reason": ""}, "reason"), ({"kind": "meteor"}, "kind"),
    ({"environment": "nope"}, "environment"), ({"end": "2030-01-01T00:00:00"}, "end"),
])
def test_bad_outage_input(env, api_owner_a, change, field):
    payload = {"environment": "sit-1", "start": iso(8), "end": iso(12), "reason": "x", **change}
    response = api_owner_a.post(f"{API}/outages/", {k: v for k, v in payload.items() if v is not None},
                                format="json")
    assert response.status_code == 400 and field in body_error(response)["fields"]


def test_an_outage_ending_before_it_starts_is_refused(env, api_owner_a):
    response = api_owner_a.post(f"{API}/outages/", {"environment": "sit-1", "start": iso(12), "end": iso(8),
                                                    "reason": "x"}, format="json")
    assert response.status_code == 400 and "end" in body_error(response)["fields"]


# --- leases ----------------------------------------------------------------------------------

@pytest.fixture
def held(org_a, env):
    team = TeamFactory(organization=org_a, slug="checkout")
    ServiceFactory(organization=org_a, slug="checkout-web", team=team)
    ServiceFactory(organization=org_a, slug="payments-api")
    return BookingFactory(organization=org_a, environment=env, team=team,
                          start=timezone.now() - timedelta(minutes=30), hours=2)


def test_lease_grant_renew_release(held, api_a):
    response = api_a.post(f"{API}/environments/sit-1/leases/", {"service": "checkout-web", "version": "1.2.3"},
                          format="json")
    assert response.status_code == 201, response.content
    lease = response.json()
    assert lease["booking"] == held.pk and lease["token"].startswith("sll_") and lease["is_valid"]
    base = f"{API}/environments/sit-1/leases/{lease['id']}"
    assert api_a.post(f"{base}/renew/", {"token": "sll_nope"}, format="json").status_code == 403
    assert api_a.post(f"{base}/renew/", {}, format="json").status_code == 400
    renewed = api_a.post(f"{base}/renew/", {"token": lease["token"], "ttl_seconds": 600}, format="json")
    assert renewed.status_code == 200 and renewed.json()["expires_at"] != lease["expires_at"]
    assert [item["id"] for item in api_a.get(f"{API}/environments/sit-1/leases/").json()] == [lease["id"]]
    released = api_a.post(f"{base}/release/", {"token": lease["token"]}, format="json")
    assert released.status_code == 200 and released.json()["is_valid"] is False
    assert api_a.get(f"{API}/environments/sit-1/leases/").json() == []


def test_lease_denied_says_why_and_when_to_retry(held, api_a):
    response = api_a.post(f"{API}/environments/sit-1/leases/", {"service": "payments-api"}, format="json")
    assert response.status_code == 409
    error = body_error(response)
    assert error["code"] == "lease_denied"
    assert [r["code"] for r in error["details"]["reasons"]] == ["booked_by_other_team"]
    assert error["details"]["reasons"][0]["team"] == "checkout"
    assert error["details"]["retry_after"].startswith(held.end.isoformat()[:19])
    assert 0 < int(response["Retry-After"]) <= 90 * 60


def test_an_expired_lease_can_neither_be_renewed_nor_blocks(org_a, held, api_a):
    first = api_a.post(f"{API}/environments/sit-1/leases/", {"booking": held.pk}, format="json").json()
    assert api_a.post(f"{API}/environments/sit-1/leases/", {"booking": held.pk}, format="json").status_code == 409
    with pytest.MonkeyPatch.context() as patch:
        later = timezone.now() + timedelta(minutes=16)
        patch.setattr(timezone, "now", lambda: later)
        renew = api_a.post(f"{API}/environments/sit-1/leases/{first['id']}/renew/", {"token": first["token"]},
                           format="json")
        again = api_a.post(f"{API}/environments/sit-1/leases/", {"booking": held.pk}, format="json")
    assert renew.status_code == 409 and again.status_code == 201


@pytest.mark.parametrize(("payload", "field"), [
    ({"booking": "x"}, "booking"), ({"service": "no-such"}, "service"), ({"ttl_seconds": 1}, "ttl_seconds"),
])
def test_bad_lease_input(held, api_a, payload, field):
    response = api_a.post(f"{API}/environments/sit-1/leases/", payload, format="json")
    assert response.status_code == 400 and field in body_error(response)["fields"]


def test_leases_of_an_unknown_environment_or_lease_are_404(held, api_a):
    assert api_a.post(f"{API}/environments/nowhere/leases/", {}, format="json").status_code == 404
    assert api_a.post(f"{API}/environments/sit-1/leases/999999/renew/", {"token": "x"},
                      format="json").status_code == 404


# --- deployment approvals and provisioning --------------------------------------------------

def test_deployment_approval_requested_once_and_decided_by_someone_else(org_a, env, api_as):
    ServiceFactory(organization=org_a, slug="payments-api")
    requester, approver = api_as(Role.ENGINEER), api_as(Role.ENVIRONMENT_MANAGER)
    ask = {"environment": "sit-1", "service": "payments-api", "version": "2.0.0"}
    first = requester.post(f"{API}/deployment-approvals/", ask, format="json")
    again = requester.post(f"{API}/deployment-approvals/", ask, format="json")
    assert (first.status_code, again.status_code) == (201, 200) and first.json()["id"] == again.json()["id"]
    approval = first.json()["id"]
    assert requester.post(f"{API}/deployment-approvals/{approval}/approve/", {}, format="json").status_code == 403
    decided = approver.post(f"{API}/deployment-approvals/{approval}/approve/", {"note": "ok"}, format="json")
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert approver.post(f"{API}/deployment-approvals/{approval}/reject/", {}, format="json").status_code == 409
    bad = requester.post(f"{API}/deployment-approvals/", {**ask, "service": "nope"}, format="json")
    assert bad.status_code == 400 and "service" in body_error(bad)["fields"]


def test_deployment_approval_list_stays_within_its_queries(org_a, env, api_a, django_assert_max_num_queries):
    DeploymentApprovalRequestFactory.create_batch(15, organization=org_a, environment=env)
    with django_assert_max_num_queries(8):
        response = api_a.get(f"{API}/deployment-approvals/?status=requested")
    assert response.json()["count"] == 15


def test_provisioning_moves_step_by_step_and_keeps_each_time(org_a, api_a, token_client):
    TeamFactory(organization=org_a, slug="checkout")
    manager = token_client(org_a, role=Role.ENVIRONMENT_MANAGER)
    needed = (timezone.localdate() + timedelta(days=10)).isoformat()
    created = api_a.post(f"{API}/provisioning-requests/", {"team": "checkout", "tier": "performance",
                                                          "purpose": "load tests", "needed_by": needed},
                         format="json")
    assert created.status_code == 201, created.content
    url = f"{API}/provisioning-requests/{created.json()['id']}/advance/"
    assert api_a.post(url, {"status": "provisioning"}, format="json").status_code == 403
    assert manager.post(url, {"status": "ready"}, format="json").status_code == 409  # not before provisioning
    assert manager.post(url, {"status": "provisioning"}, format="json").json()["provisioning_at"]
    done = manager.post(url, {"status": "ready", "note": "perf-2 is up"}, format="json").json()
    assert done["status"] == "ready" and done["ready_at"] >= done["provisioning_at"] >= done["requested_at"]
    bad = api_a.post(f"{API}/provisioning-requests/", {"team": "checkout", "tier": "performance",
                                                      "purpose": "x", "needed_by": "2001-01-01"}, format="json")
    assert bad.status_code == 400 and "needed_by" in body_error(bad)["fields"]


def test_provisioning_list_stays_within_its_queries(org_a, api_a, django_assert_max_num_queries):
    ProvisioningRequestFactory.create_batch(12, organization=org_a)
    with django_assert_max_num_queries(8):
        assert api_a.get(f"{API}/provisioning-requests/").json()["count"] == 12


def test_outage_and_group_lists_stay_within_their_queries(org_a, env, api_a, django_assert_max_num_queries):
    for i in range(10):
        group = EnvironmentGroupFactory(organization=org_a)
        EnvironmentFactory.create_batch(2, organization=org_a, group=group)
        OutageFactory(organization=org_a, environment=env, start=at(24 * i))
    with django_assert_max_num_queries(8):
        assert api_a.get(f"{API}/outages/").json()["count"] == 10
    with django_assert_max_num_queries(8):
        groups = api_a.get(f"{API}/environment-groups/").json()
    assert groups["count"] == 10 and all(len(g["environments"]) == 2 for g in groups["results"])


def test_every_endpoint_is_in_the_schema_with_examples(client):
    schema = client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in ("/environments/", "/environments/{slug}/", "/environment-groups/", "/bookings/",
                 "/bookings/{id}/approve/", "/bookings/{id}/extend/", "/bookings/{id}/release/", "/outages/",
                 "/environments/{env_slug}/leases/", "/environments/{env_slug}/leases/{lease_id}/renew/",
                 "/deployment-approvals/", "/provisioning-requests/{id}/advance/"):
        assert f"/api/v1/orgs/{{org_slug}}{path}" in paths, path
    booking = paths["/api/v1/orgs/{org_slug}/bookings/"]["post"]
    assert booking["requestBody"]["content"]["application/json"]["examples"]
    lease = paths["/api/v1/orgs/{org_slug}/environments/{env_slug}/leases/"]["post"]
    assert "409" in lease["responses"] and lease["responses"]["409"]["content"]["application/json"]["examples"]


def test_groups_are_created_changed_and_deleted_by_managers(org_a, env, api_a, api_owner_a):
    other = EnvironmentFactory(organization=org_a, slug="sit-2")
    payload = {"name": "Checkout stack", "slug": "checkout-stack", "environments": ["sit-1"]}
    assert api_a.post(f"{API}/environment-groups/", payload, format="json").status_code == 403
    created = api_owner_a.post(f"{API}/environment-groups/", payload, format="json")
    assert created.status_code == 201 and created.json()["environments"] == ["sit-1"]
    changed = api_owner_a.patch(f"{API}/environment-groups/checkout-stack/", {"environments": ["sit-1", "sit-2"]},
                                format="json")
    assert sorted(changed.json()["environments"]) == ["sit-1", "sit-2"]
    assert api_owner_a.get(f"{API}/environments/{other.slug}/").json()["group"] == "checkout-stack"
    bad = api_owner_a.post(f"{API}/environment-groups/", {"name": "X", "environments": ["nowhere"]}, format="json")
    assert bad.status_code == 400 and "environments" in body_error(bad)["fields"]
    taken = api_owner_a.post(f"{API}/environment-groups/", payload, format="json")
    assert taken.status_code == 409 and "slug" in body_error(taken)["fields"]
    assert api_owner_a.delete(f"{API}/environment-groups/checkout-stack/").status_code == 204
    assert api_owner_a.get(f"{API}/environments/sit-1/").json()["group"] is None


def test_lowering_capacity_over_the_api_names_the_field(org_a, api_owner_a):
    env = EnvironmentFactory(organization=org_a, slug="shared", capacity=2)
    BookingFactory(organization=org_a, environment=env, start=at(9), hours=2)
    BookingFactory(organization=org_a, environment=env, start=at(10), hours=2)
    response = api_owner_a.patch(f"{API}/environments/shared/", {"capacity": 1}, format="json")
    assert response.status_code == 409 and "capacity" in body_error(response)["fields"]
    bad = api_owner_a.patch(f"{API}/environments/shared/", {"status": "exploded"}, format="json")
    assert bad.status_code == 400 and "status" in body_error(bad)["fields"]


@pytest.mark.parametrize(("change", "field"), [
    ({"start": "9999-12-31T20:00:00Z", "end": "9999-12-31T22:00:00Z"}, "start"),
    ({"end": "9999-12-31T22:00:00Z"}, "end"),
])
def test_extreme_times_are_refused_not_crashed_on(env, api_a, change, field):
    payload = {"environment": "sit-1", "start": iso(9), "end": iso(10), "purpose": "x", **change}
    response = api_a.post(f"{API}/bookings/", payload, format="json")
    assert response.status_code == 400 and field in body_error(response)["fields"]


def test_an_absurd_lease_ttl_is_refused(held, api_a):
    response = api_a.post(f"{API}/environments/sit-1/leases/", {"booking": held.pk, "ttl_seconds": 10 ** 30},
                          format="json")
    assert response.status_code == 400 and "ttl_seconds" in body_error(response)["fields"]
