"""The releases API: releases and trains, phases, templates, dependencies, deployment plans,
release slots and settings, and the evidence pack."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from gates import services as gates
from releases.models import Phase, Release, SlotBooking
from tests.releases.conftest import next_monday
from tests.releases.factories import (
    DeploymentActivityFactory,
    PhaseFactory,
    ReleaseFactory,
    ReleaseSlotWindowFactory,
    SlotBookingFactory,
)
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs/acme"


@pytest.fixture
def rm(api_as) -> APIClient:
    return api_as(Role.RELEASE_MANAGER, email="rita@acme.test")


def test_a_release_is_made_from_a_template_in_one_request(world, rm):
    response = rm.post(f"{API}/releases/", {
        "name": "Payments spring", "version": "2025.04", "value_stream": "payments", "template": world.template.pk,
        "planned_start": next_monday().isoformat(), "risk": "high", "strategy": "canary",
        "services": [{"service": "payments-api", "version": "2.4.0"}], "environments": {"2": "payments-uat"}},
        format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert [(p["name"], p["environment"]) for p in data["phases"]] == [
        ("BUILD", None), ("SIT", "payments-uat"), ("UAT", "payments-uat"), ("PROD", "payments-prod")]
    assert data["services"] == [{"service": "payments-api", "version": "2.4.0"}]
    assert (data["owner"], data["status"], data["strategy"]) == ("rita@acme.test", "planned", "canary")
    assert all(p["entry_gate"]["status"] in ("met", "pending", "failed") for p in data["phases"])


@pytest.mark.parametrize(("payload", "field"), [
    ({"version": "1"}, "name"),
    ({"name": "x"}, "version"),
    ({"name": "x", "version": "1", "template": 99999}, "template"),
    ({"name": "x", "version": "1", "template": "TEMPLATE"}, "planned_start"),
    ({"name": "x", "version": "1", "value_stream": "nope"}, "value_stream"),
    ({"name": "x", "version": "1", "owner": "stranger@example.com"}, "owner"),
    ({"name": "x", "version": "1", "kind": "moonshot"}, "kind"),
    ({"name": "x", "version": "1", "status": "released"}, "status"),
    ({"name": "x", "version": "1", "services": [{"service": "nope"}]}, "services[0].service"),
    ({"name": "x", "version": "1", "planned_start": "2025-01-02T00:00:00Z", "planned_end": "2025-01-01T00:00:00Z"},
     "planned_end"),
    ({"name": "x", "version": "1", "environments": {"2": "payments-sit"}}, "environments"),
])
def test_bad_input_answers_400_naming_the_field(world, rm, payload, field):
    if payload.get("template") == "TEMPLATE":
        payload["template"] = world.template.pk
    response = rm.post(f"{API}/releases/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_the_list_filters_and_costs_a_fixed_number_of_queries(world, rm, org_a, assert_max_queries):
    train = ReleaseFactory(organization=org_a, kind="enterprise", name="Train")
    for n in range(6):
        child = ReleaseFactory(organization=org_a, parent=train, status="in_progress" if n % 2 else "planned")
        PhaseFactory(organization=org_a, release=child, status="active")
    with assert_max_queries(8):
        listed = rm.get(f"{API}/releases/?parent={train.pk}&status=in_progress").json()
    assert listed["count"] == 3 and all(r["current_phase"] == "SIT" for r in listed["results"])
    assert rm.get(f"{API}/releases/?status=bogus").status_code == 400


def test_the_detail_costs_a_fixed_number_of_queries(world, rm, make_release, org_a, assert_max_queries):
    release = make_release()
    for _ in range(3):
        DeploymentActivityFactory(organization=org_a, release=release)
    with assert_max_queries(16):
        data = rm.get(f"{API}/releases/{release.pk}/").json()
    assert len(data["phases"]) == 4 and data["plan_progress"] == {"total": 3, "done": 0, "skipped": 0, "percent": 0}


def test_the_detail_answers_the_lists_counts_and_current_phase(world, rm, make_release, org_a):
    train = make_release()
    ReleaseFactory(organization=org_a, parent=train)
    assert rm.post(f"{API}/releases/{train.pk}/advance/", {}, format="json").status_code == 200
    data = rm.get(f"{API}/releases/{train.pk}/").json()
    listed = next(r for r in rm.get(f"{API}/releases/").json()["results"] if r["id"] == train.pk)
    counts = ("current_phase", "children_count", "phase_count", "phases_done")
    assert {key: data[key] for key in counts} == {key: listed[key] for key in counts} == {
        "current_phase": "BUILD", "children_count": 1, "phase_count": 4, "phases_done": 0}


def test_advance_through_the_api_is_refused_naming_unmet_criteria(world, rm, make_release, in_a):
    release = make_release()
    assert rm.post(f"{API}/releases/{release.pk}/advance/", {}, format="json").status_code == 200
    response = rm.post(f"{API}/releases/{release.pk}/advance/", {}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert "Build and unit tests passed" in error["message"]
    assert error["details"]["gates"][0]["criteria"][0]["title"] == "Build and unit tests passed"
    assert Phase.objects.get(release=release, name="BUILD").status == "active"
    stale = rm.post(f"{API}/releases/{release.pk}/advance/", {"phase": release.phases.get(name="SIT").pk},
                    format="json")
    assert stale.status_code == 409 and "phase" in stale.json()["error"]["fields"]


def test_engineers_may_not_advance(world, api_a, make_release):
    release = make_release()
    assert api_a.post(f"{API}/releases/{release.pk}/advance/", {}, format="json").status_code == 403


def test_phases_are_added_moved_previewed_and_removed(world, rm, manager, in_a):
    release = Release.objects.create(name="Custom", version="1.0", value_stream=world.stream, owner=manager.user)
    start = next_monday()
    added = rm.post(f"{API}/releases/{release.pk}/phases/", {
        "name": "UAT", "environment": "payments-uat", "planned_start": start.isoformat(),
        "planned_end": (start + timedelta(days=2)).isoformat(),
        "exit_criteria": [{"title": "Business acceptance", "type": "manual", "signer_role": "approver"}]},
        format="json")
    assert added.status_code == 201, added.content
    phase_id = added.json()["id"]
    bad = rm.post(f"{API}/releases/{release.pk}/phases/", {
        "name": "X", "planned_start": start.isoformat(), "planned_end": start.isoformat()}, format="json")
    assert bad.status_code == 400 and "planned_end" in bad.json()["error"]["fields"]
    preview = rm.get(f"{API}/phases/{phase_id}/collisions/", {"planned_start": (start + timedelta(days=1)).isoformat(),
                                                              "planned_end": (start + timedelta(days=4)).isoformat()})
    assert preview.status_code == 200 and preview.json() == {"freezes": [], "bookings": [], "dependencies": [],
                                                              "full_slots": [], "unbooked": "payments-uat"}
    assert rm.get(f"{API}/phases/{phase_id}/collisions/", {"planned_start": "soon"}).status_code == 400
    moved = rm.patch(f"{API}/phases/{phase_id}/", {"planned_end": (start + timedelta(days=5)).isoformat()},
                     format="json")
    assert moved.status_code == 200
    release.refresh_from_db()
    assert release.planned_end == start + timedelta(days=5)
    assert rm.delete(f"{API}/phases/{phase_id}/").status_code == 204


def test_version_changes_are_refused_once_gates_exist(world, rm, make_release):
    release = make_release()
    response = rm.patch(f"{API}/releases/{release.pk}/", {"version": "9"}, format="json")
    assert response.status_code == 409 and "version" in response.json()["error"]["fields"]
    assert rm.patch(f"{API}/releases/{release.pk}/", {"risk": "critical"}, format="json").json()["risk"] == "critical"


def test_dependencies_with_their_warning(world, rm, make_release, org_a):
    needs = make_release()
    late = ReleaseFactory(organization=org_a, planned_start=needs.planned_start,
                          planned_end=needs.planned_start + timedelta(days=3))
    response = rm.post(f"{API}/releases/{needs.pk}/dependencies/", {"depends_on": late.pk}, format="json")
    assert response.status_code == 201, response.content
    assert len(rm.get(f"{API}/releases/{needs.pk}/").json()["warnings"]) == 1
    assert rm.post(f"{API}/releases/{needs.pk}/dependencies/", {"depends_on": late.pk},
                   format="json").status_code == 409
    assert rm.delete(f"{API}/release-dependencies/{response.json()['id']}/").status_code == 204


def test_ci_completes_automated_activities_but_not_manual_ones(world, rm, api_a, make_release, in_a):
    release = make_release()
    automated = rm.post(f"{API}/releases/{release.pk}/activities/",
                        {"title": "Run database migration", "kind": "automated"}, format="json").json()
    manual = rm.post(f"{API}/releases/{release.pk}/activities/",
                     {"title": "Open firewall port", "owner": "rita@acme.test"}, format="json").json()
    done = api_a.post(f"{API}/deployment-activities/{automated['id']}/complete/",
                      {"evidence_url": "https://ci.example.com/p/1"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = api_a.post(f"{API}/deployment-activities/{automated['id']}/complete/", {}, format="json")
    assert again.status_code == 200  # a retried CI job changes nothing
    assert api_a.post(f"{API}/deployment-activities/{manual['id']}/complete/", {},
                      format="json").status_code == 403
    assert rm.post(f"{API}/deployment-activities/{manual['id']}/complete/", {"evidence_url": "ftp://x"},
                   format="json").status_code == 400
    assert rm.post(f"{API}/deployment-activities/{manual['id']}/complete/", {}, format="json").status_code == 200
    progress = rm.get(f"{API}/releases/{release.pk}/").json()["plan_progress"]
    assert (progress["done"], progress["percent"]) == (2, 100)


def test_release_slots_enforce_their_capacity(world, rm, api_a, org_a, in_a):
    window = ReleaseSlotWindowFactory(organization=org_a, capacity=2)
    slots = rm.get(f"{API}/release-slots/{window.pk}/slots/").json()
    upcoming = next(slot for slot in slots if slot["start"] > timezone.now().isoformat())
    first, second, third = (ReleaseFactory(organization=org_a) for _ in range(3))
    for release in (first, second):
        response = api_a.post(f"{API}/release-slots/{window.pk}/bookings/",
                              {"release": release.pk, "slot_start": upcoming["start"]}, format="json")
        assert response.status_code == 201, response.content
    full = api_a.post(f"{API}/release-slots/{window.pk}/bookings/", {"release": third.pk,
                                                                     "slot_start": upcoming["start"]}, format="json")
    assert full.status_code == 409 and "full" in full.json()["error"]["message"]
    odd = api_a.post(f"{API}/release-slots/{window.pk}/bookings/", {
        "release": third.pk, "slot_start": "2030-01-01T03:17:00Z"}, format="json")
    assert odd.status_code == 400 and "slot_start" in odd.json()["error"]["fields"]
    assert SlotBooking.objects.count() == 2


def test_slot_windows_are_made_with_a_rule_and_validated(world, rm):
    response = rm.post(f"{API}/release-slots/", {
        "name": "Evenings", "capacity": 3, "starts_at": "2025-03-04T18:00:00+01:00",
        "ends_at": "2025-03-04T22:00:00+01:00", "rrule": "FREQ=WEEKLY;BYDAY=TU,TH", "time_zone": "Europe/Berlin"},
        format="json")
    assert response.status_code == 201, response.content
    bad = rm.post(f"{API}/release-slots/", {"name": "x", "capacity": 0, "starts_at": "2025-03-04T18:00:00+01:00",
                                            "ends_at": "2025-03-04T22:00:00+01:00"}, format="json")
    assert bad.status_code == 400 and "capacity" in bad.json()["error"]["fields"]


def test_a_slot_window_is_changed_by_what_is_given(world, rm, api_a, org_a, in_a):
    window = ReleaseSlotWindowFactory(organization=org_a, capacity=2, name="Evenings")
    url = f"{API}/release-slots/{window.pk}/"
    response = rm.patch(url, {"capacity": 4}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["capacity"], response.json()["name"]) == (4, "Evenings")
    bad = rm.patch(url, {"capacity": 0, "rrule": "FREQ=DAILY;INTERVAL=0"}, format="json")
    assert bad.status_code == 400 and {"capacity"} <= set(bad.json()["error"]["fields"])
    assert api_a.patch(url, {"capacity": 9}, format="json").status_code == 403  # CI may book, not manage
    window.refresh_from_db()
    assert window.capacity == 4


def test_a_template_is_changed_and_its_releases_keep_their_phases(world, rm, make_release, in_a):
    release = make_release()
    kept = list(release.phases.values_list("name", flat=True))
    url = f"{API}/release-templates/{world.template.pk}/"
    response = rm.patch(url, {"name": "Two-step", "phases": [{"name": "UAT", "tier": "uat", "duration_days": 2},
                                                              {"name": "PROD", "tier": "production"}]},
                        format="json")
    assert response.status_code == 200, response.content
    assert [p["name"] for p in response.json()["phases"]] == ["UAT", "PROD"]
    assert list(release.phases.values_list("name", flat=True)) == kept
    renamed = rm.patch(url, {"name": "Two steps"}, format="json")
    assert renamed.status_code == 200 and len(renamed.json()["phases"]) == 2  # phases untouched when not given
    bad = rm.patch(url, {"phases": [{"name": "PROD", "entry_criteria": [{"title": "x", "type": "automated",
                                                                          "rule": "nope"}]}]}, format="json")
    assert bad.status_code == 400 and "phases[0].entry_criteria[0].rule" in bad.json()["error"]["fields"]


def test_the_settings_are_the_organizations(world, api_owner_a, rm):
    assert rm.get(f"{API}/release-settings/").json()["require_release_slots"] is False
    assert rm.patch(f"{API}/release-settings/", {"require_release_slots": True}, format="json").status_code == 403
    response = api_owner_a.patch(f"{API}/release-settings/", {"require_release_slots": True}, format="json")
    assert response.status_code == 200 and response.json()["require_release_slots"] is True


def test_templates_with_bad_criteria_are_refused_naming_them(world, rm):
    response = rm.post(f"{API}/release-templates/", {"name": "Hotfix", "phases": [
        {"name": "PROD", "entry_criteria": [{"title": "Magic", "type": "automated", "rule": "nope"}]}]},
        format="json")
    assert response.status_code == 400
    assert "phases[0].entry_criteria[0].rule" in response.json()["error"]["fields"]
    good = rm.post(f"{API}/release-templates/", {"name": "Hotfix", "phases": [{"name": "PROD", "tier": "production",
                                                                               "duration_days": 1}]}, format="json")
    assert good.status_code == 201 and good.json()["phases"][0]["tier"] == "production"


def test_the_evidence_pack_lists_every_gate_criterion_decision_and_waiver(world, rm, make_release, manager,
                                                                          approver, in_a):
    release = make_release()
    sit_exit = release.phases.get(name="SIT").exit_gate
    manual = sit_exit.criteria.get(type="manual")
    gates.gate_sign_off(actor=approver, criterion=manual, decision="approve", comment="Looks good")
    automated = sit_exit.criteria.get(type="automated")
    gates.criterion_waive(actor=manager, criterion=automated, reason="Flaky suite",
                          expires_at=timezone.now() + timedelta(days=2))
    pack = rm.get(f"{API}/releases/{release.pk}/evidence/").json()
    assert [p["name"] for p in pack["phases"]] == ["BUILD", "SIT", "UAT", "PROD"]
    sit = pack["phases"][1]
    exit_gate = next(g for g in sit["gates"] if g["role"] == "exit")
    criteria = {c["title"]: c for c in exit_gate["criteria"]}
    assert criteria["Test lead sign-off"]["sign_offs"][0]["comment"] == "Looks good"
    assert criteria["Integration tests passed"]["state"] == "waived"
    assert criteria["Integration tests passed"]["waivers"][0]["reason"] == "Flaky suite"
    assert criteria["Integration tests passed"]["evaluations"]  # the history, oldest first
    assert pack["release"]["services"] == [{"service": "payments-api", "version": "2.4.0"}]


def test_slot_bookings_are_listed_and_cancelled(world, rm, api_a, org_a):
    booking = SlotBookingFactory(organization=org_a, slot_start=timezone.now() + timedelta(days=1),
                                 slot_end=timezone.now() + timedelta(days=1, hours=4))
    assert api_a.get(f"{API}/slot-bookings/").json()["count"] == 1
    assert api_a.delete(f"{API}/slot-bookings/{booking.pk}/").status_code == 204
