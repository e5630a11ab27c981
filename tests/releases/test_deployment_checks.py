""""May I deploy?": one test per rule of the decision endpoint, and the record every check leaves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, transaction
from django.test import override_settings
from django.utils import timezone

from environments.models import Environment
from releases import services
from releases.models import DeploymentCheck, FreezeOverride, ReleaseKind, ReleaseStatus
from tests.environments.factories import BookingFactory, DeploymentApprovalRequestFactory, OutageFactory
from tests.releases.factories import (
    FreezeWindowFactory,
    ReleaseFactory,
    ReleaseServiceFactory,
    ReleaseSettingsFactory,
    SlotBookingFactory,
    soon,
)
from vsm.audit.models import AuditEvent
from vsm.catalog.models import Service
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/deployment-checks/"
BERLIN = ZoneInfo("Europe/Berlin")


def ask(client, environment="payments-prod", version="2.4.0", **extra):
    response = client.post(URL, {"service": "payments-api", "environment": environment, "version": version, **extra},
                           format="json")
    assert response.status_code == 200, response.content
    return response.json()


def codes(answer) -> list[str]:
    return [r["code"] for r in answer["reasons"]]


def test_nothing_in_the_way_allows_and_the_check_is_recorded(world, api_a, in_a):
    answer = ask(api_a)
    assert (answer["decision"], answer["reasons"], answer["retry_after"]) == ("allow", [], None)
    check = DeploymentCheck.objects.get(pk=answer["id"])
    assert (check.service_slug, check.environment_slug, check.version, check.checked_by_label) == (
        "payments-api", "payments-prod", "2.4.0", "token:ci")


def test_a_freeze_in_force_denies_until_its_end(world, api_a, org_a):
    window = FreezeWindowFactory(organization=org_a, name="Go-live freeze", reason="Marketing launch")
    answer = ask(api_a)
    assert (answer["decision"], codes(answer)) == ("deny", ["freeze_active"])
    reason = answer["reasons"][0]
    assert (reason["freeze_window"], reason["name"]) == (window.pk, "Go-live freeze")
    assert datetime.fromisoformat(reason["ends_at"]) == window.ends_at
    assert datetime.fromisoformat(answer["retry_after"]) == window.ends_at
    assert "Marketing launch" in reason["message"]


@pytest.mark.parametrize(("moment", "frozen_until"), [
    # Friday 28 March 2025, 16:30 CET: frozen until Monday 08:00, which is summer time by then.
    (datetime(2025, 3, 28, 15, 30, tzinfo=UTC), datetime(2025, 3, 31, 6, 0, tzinfo=UTC)),
    # Monday 31 March, 07:30 CEST: still frozen (an hour-length rule would have ended at 07:00).
    (datetime(2025, 3, 31, 5, 30, tzinfo=UTC), datetime(2025, 3, 31, 6, 0, tzinfo=UTC)),
    # Monday 31 March, 08:30 CEST: free.
    (datetime(2025, 3, 31, 6, 30, tzinfo=UTC), None),
    # The autumn change: Monday 27 October, 07:30 CET is still frozen until 08:00 CET.
    (datetime(2025, 10, 27, 6, 30, tzinfo=UTC), datetime(2025, 10, 27, 7, 0, tzinfo=UTC)),
])
def test_a_recurring_weekend_freeze_crossing_a_dst_change(world, manager, moment, frozen_until):
    services.freeze_window_create(
        actor=manager, name="Weekend", tier="production", starts_at=datetime(2025, 3, 7, 16, tzinfo=BERLIN),
        ends_at=datetime(2025, 3, 10, 8, tzinfo=BERLIN), rrule="FREQ=WEEKLY;BYDAY=FR", time_zone="Europe/Berlin")
    ci = Actor(role=Role.ENGINEER, system="ci")
    check = services.deployment_check(actor=ci, service="payments-api", environment="payments-prod",
                                      version="2.4.0", at=moment)
    if frozen_until is None:
        assert check.decision == "allow"
        return
    assert (check.decision, [r["code"] for r in check.reasons]) == ("deny", ["freeze_active"])
    assert check.retry_after == frozen_until
    assert datetime.fromisoformat(check.reasons[0]["ends_at"]).astimezone(BERLIN).hour == 8


def test_an_unmet_gate_of_the_phase_targeting_the_environment_denies_naming_its_criteria(
        world, api_a, make_release, org_a):
    release = make_release()
    answer = ask(api_a, environment="payments-sit")
    gate = next(r for r in answer["reasons"] if r["code"] == "gate_not_met")
    assert (gate["release"], gate["phase"]) == (release.pk, "SIT")
    assert {c["title"] for c in gate["criteria"]} == {"Previous gate met", "SIT booked for the release"}
    assert "SIT booked for the release" in gate["message"]
    # Named explicitly, the same release answers the same; another version is not in its scope.
    assert "gate_not_met" in codes(ask(api_a, environment="payments-sit", release=release.pk))
    assert "gate_not_met" not in codes(ask(api_a, environment="payments-sit", version="9.9.9"))


def test_a_met_gate_lets_the_phase_through(world, api_a, manager):
    release = services.release_create(actor=manager, name="Quick", version="3.0", value_stream=world.stream,
                                      status=ReleaseStatus.PLANNED, services=[(world.service, "")])
    services.phase_add(actor=manager, release=release, name="PROD", environment=world.prod,
                       planned_start=soon(-1), planned_end=soon(5))
    services.release_advance_phase(actor=manager, release=release)
    assert ask(api_a, version="3.0")["decision"] == "allow"


def test_a_release_without_a_phase_for_the_environment_warns_when_named(world, api_a, manager):
    release = services.release_create(actor=manager, name="Docs", version="1.0", value_stream=world.stream)
    answer = ask(api_a, release=release.pk)
    assert (answer["decision"], codes(answer)) == ("warn", ["not_in_release_plan"])


def test_no_booking_of_a_non_production_environment_that_needs_one_denies(world, api_a, org_a):
    answer = ask(api_a, environment="payments-sit")
    assert (answer["decision"], codes(answer)) == ("deny", ["no_booking"])
    BookingFactory(organization=org_a, environment=world.sit, team=world.service.team,
                   start=timezone.now() - timedelta(hours=1), hours=3)
    assert ask(api_a, environment="payments-sit")["decision"] == "allow"


def test_another_teams_booking_denies_until_it_ends(world, api_a, org_a):
    theirs = BookingFactory(organization=org_a, environment=world.sit, start=timezone.now() - timedelta(hours=1),
                            hours=3)
    answer = ask(api_a, environment="payments-sit")
    assert codes(answer) == ["booked_by_other_team"]
    assert datetime.fromisoformat(answer["retry_after"]) == theirs.end


@pytest.mark.parametrize(("kind", "code"), [("maintenance", "environment_maintenance"), ("outage", "environment_down")])
def test_an_outage_in_force_denies_until_it_ends(world, api_a, org_a, kind, code):
    outage = OutageFactory(organization=org_a, environment=world.prod, kind=kind,
                           start=timezone.now() - timedelta(minutes=10), hours=2)
    answer = ask(api_a)
    assert (answer["decision"], codes(answer)) == ("deny", [code])
    assert datetime.fromisoformat(answer["retry_after"]) == outage.end


@pytest.mark.parametrize(("status", "code"), [(Environment.Status.DOWN, "environment_down"),
                                              (Environment.Status.MAINTENANCE, "environment_maintenance")])
def test_an_environment_marked_down_or_in_maintenance_denies_without_retry(world, api_a, in_a, status, code):
    Environment.objects.filter(pk=world.prod.pk).update(status=status, status_reason="Disk failure")
    answer = ask(api_a)
    assert (codes(answer), answer["retry_after"]) == ([code], None)


def test_a_deployment_needing_approval_is_denied_until_approved(world, api_a, org_a, in_a):
    Environment.objects.filter(pk=world.prod.pk).update(requires_deployment_approval=True)
    assert codes(ask(api_a)) == ["deployment_approval_pending"]
    DeploymentApprovalRequestFactory(organization=org_a, environment=world.prod, service=world.service,
                                     version="2.4.0", status="approved")
    assert ask(api_a)["decision"] == "allow"
    assert codes(ask(api_a, version="2.4.1")) == ["deployment_approval_pending"]


def test_production_needs_a_booked_release_slot_where_the_organization_requires_it(world, api_a, org_a, manager):
    ReleaseSettingsFactory(organization=org_a, require_release_slots=True)
    assert codes(ask(api_a)) == ["no_release_slot"]  # no release to hold a slot
    release = ReleaseFactory(organization=org_a, status=ReleaseStatus.IN_PROGRESS, version="2.4.0",
                             value_stream=world.stream)
    ReleaseServiceFactory(organization=org_a, release=release, service=world.service)
    later = SlotBookingFactory(organization=org_a, release=release, slot_start=soon(20), slot_end=soon(24))
    answer = ask(api_a)
    assert codes(answer) == ["no_release_slot"]
    assert datetime.fromisoformat(answer["retry_after"]) == later.slot_start
    assert "no_release_slot" not in codes(ask(api_a, environment="payments-uat"))  # slots are about production
    SlotBookingFactory(organization=org_a, release=release, window=later.window)
    assert ask(api_a)["decision"] == "allow"


def test_an_emergency_release_without_a_slot_is_warned_not_denied(world, api_a, org_a):
    ReleaseSettingsFactory(organization=org_a, require_release_slots=True)
    hotfix = ReleaseFactory(organization=org_a, kind=ReleaseKind.EMERGENCY, status=ReleaseStatus.IN_PROGRESS)
    answer = ask(api_a, release=hotfix.pk)
    assert (answer["decision"], codes(answer)) == ("warn", ["not_in_release_plan", "no_release_slot"])


def test_a_token_cannot_break_the_glass_through_the_check(world, api_a, org_a, in_a):
    FreezeWindowFactory(organization=org_a)
    hotfix = ReleaseFactory(organization=org_a, kind=ReleaseKind.EMERGENCY, status=ReleaseStatus.IN_PROGRESS)
    answer = ask(api_a, release=hotfix.pk, override_reason="INC-42: card payments failing")
    reason = next(r for r in answer["reasons"] if r["code"] == "freeze_active")
    assert answer["decision"] == "deny" and "person's decision" in reason["override_refused"]
    assert not FreezeOverride.objects.exists()


@override_settings(TOKENS_MAY_BREAK_GLASS=True)
def test_break_glass_through_a_freeze_for_an_emergency_release(world, api_a, org_a, in_a):
    FreezeWindowFactory(organization=org_a)
    hotfix = ReleaseFactory(organization=org_a, kind=ReleaseKind.EMERGENCY, status=ReleaseStatus.IN_PROGRESS)
    answer = ask(api_a, release=hotfix.pk, override_reason="INC-42: card payments failing")
    assert answer["decision"] == "warn" and "freeze_overridden" in codes(answer)
    override = FreezeOverride.objects.get()
    assert (override.release, override.granted_by_label) == (hotfix, "token:ci")
    assert AuditEvent.objects.filter(action="freezeoverride.granted", message__contains="INC-42").exists()
    # The override holds for the rest of the freeze: the next check needs no reason.
    assert "freeze_overridden" in codes(ask(api_a, release=hotfix.pk))


@override_settings(TOKENS_MAY_BREAK_GLASS=True)
def test_break_glass_is_refused_to_a_project_release_and_said_why(world, api_a, org_a, in_a):
    FreezeWindowFactory(organization=org_a)
    project = ReleaseFactory(organization=org_a, status=ReleaseStatus.IN_PROGRESS)
    answer = ask(api_a, release=project.pk, override_reason="Please")
    reason = next(r for r in answer["reasons"] if r["code"] == "freeze_active")
    assert answer["decision"] == "deny" and "emergency" in reason["override_refused"]
    assert not FreezeOverride.objects.exists()


@pytest.mark.parametrize(("payload", "field"), [
    ({"service": "nope", "environment": "payments-prod", "version": "1"}, "service"),
    ({"service": "payments-api", "environment": "nowhere", "version": "1"}, "environment"),
    ({"service": "payments-api", "environment": "payments-prod"}, "version"),
    ({"service": "payments-api", "environment": "payments-prod", "version": "1", "release": 999999}, "release"),
    ({"service": "payments-api", "environment": "payments-prod", "version": "1", "release": "x"}, "release"),
])
def test_unknown_or_missing_input_answers_400_naming_it(world, api_a, in_a, payload, field):
    response = api_a.post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not DeploymentCheck.objects.exists()


def test_a_release_id_no_column_can_hold_answers_400_naming_it(world, api_a, in_a):
    response = api_a.post(URL, {"service": "payments-api", "environment": "payments-prod", "version": "1",
                                "release": 2**63}, format="json")
    assert response.status_code == 400 and "release" in response.json()["error"]["fields"]
    listed = api_a.get(URL, {"release": 2**63})
    assert listed.status_code == 400 and "release" in listed.json()["error"]["fields"]
    assert not DeploymentCheck.objects.exists()


def test_another_organizations_release_is_unknown(world, api_a, org_b):
    theirs = ReleaseFactory(organization=org_b)
    response = api_a.post(URL, {"service": "payments-api", "environment": "payments-prod", "version": "1",
                                "release": theirs.pk}, format="json")
    assert response.status_code == 400 and "release" in response.json()["error"]["fields"]


def test_another_organizations_look_alikes_weigh_nothing(world, api_a, org_b, in_org):
    """The check reads in one hand-written statement: each of its tables must stay in the
    organization. Org B's production (same slugs) is in maintenance, needs approval and slots,
    has a release holding the service and a freeze in force; none of it reaches org A's answer."""
    with in_org(org_b):
        prod_b = Environment.objects.get(slug="payments-prod")
        Environment.objects.filter(pk=prod_b.pk).update(requires_deployment_approval=True, status="maintenance")
        OutageFactory(organization=org_b, environment=prod_b, start=soon(-1))
        ReleaseSettingsFactory(organization=org_b, require_release_slots=True)
        theirs = ReleaseFactory(organization=org_b, version="2.4.0", status=ReleaseStatus.IN_PROGRESS)
        ReleaseServiceFactory(organization=org_b, release=theirs, service=Service.objects.get(slug="payments-api"))
        FreezeWindowFactory(organization=org_b, name="CANARY-B freeze")
    answer = ask(api_a)
    assert (answer["decision"], answer["reasons"], answer["release"]) == ("allow", [], None)


@pytest.mark.django_db(transaction=True)  # closes the connection
def test_the_statement_is_prepared_again_on_a_new_connection_and_can_be_sent_whole(world, api_a, in_a, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ask(api_a)
    connection.close()  # as after a restart of the database or CONN_MAX_AGE: a new session
    with CaptureQueriesContext(connection) as sent:
        assert ask(api_a)["decision"] == "allow"
    assert sum(q["sql"].startswith("PREPARE ") for q in sent.captured_queries) == 2  # facts and record
    settings.DATABASE_PREPARED_STATEMENTS = False  # behind a pooler in transaction mode
    with CaptureQueriesContext(connection) as sent:
        assert ask(api_a)["decision"] == "allow"
    assert not any(q["sql"].startswith(("PREPARE ", "EXECUTE ")) for q in sent.captured_queries)
    assert DeploymentCheck.objects.count() == 3


def test_a_viewer_may_not_ask(world, org_a, token_client):
    viewer = token_client(org_a, role=Role.VIEWER, name="viewer")
    assert viewer.post(URL, {"service": "payments-api", "environment": "payments-prod", "version": "1"},
                       format="json").status_code == 403


def test_checks_are_evidence_that_cannot_be_changed(world, api_a, in_a):
    check = DeploymentCheck.objects.get(pk=ask(api_a)["id"])
    with pytest.raises(DatabaseError), transaction.atomic():
        DeploymentCheck.objects.filter(pk=check.pk).update(decision="deny")


def test_checks_are_listed_newest_first_in_a_fixed_number_of_queries(world, api_a, org_a, assert_max_queries):
    FreezeWindowFactory(organization=org_a)
    for _ in range(5):
        ask(api_a)
    with assert_max_queries(6):
        listed = api_a.get(f"{URL}?decision=deny&service=payments-api").json()
    assert listed["count"] == 5 and listed["results"][0]["reasons"][0]["code"] == "freeze_active"


def test_the_check_costs_a_bounded_number_of_queries(world, api_a, make_release, org_a, assert_max_queries):
    make_release()
    FreezeWindowFactory(organization=org_a)
    ask(api_a, environment="payments-sit")  # warm: first-use caches
    with assert_max_queries(24):
        answer = ask(api_a, environment="payments-sit")
    assert set(codes(answer)) == {"freeze_active", "gate_not_met", "no_booking"}


@pytest.mark.parametrize(("environment", "setup", "expected", "queries"), [
    # Every fact in one statement (service, release settings, environment, release, phase with its
    # entry gate, outage, the team's booking, or the approval and the slot booking, and the change
    # control integrations adds), then the record.
    ("payments-sit", "booking", {"gate_not_met"}, 2),
    ("payments-prod", "slots", {"gate_not_met", "deployment_approval_pending"}, 2),
])
def test_a_check_reads_each_fact_once_and_writes_one_row(world, api_a, make_release, org_a, in_a, environment,
                                                          setup, expected, queries, django_assert_num_queries):
    release = make_release()
    FreezeWindowFactory(organization=org_a, starts_at=soon(24 * 30), ends_at=soon(24 * 31))  # not in force
    if setup == "booking":
        BookingFactory(organization=org_a, environment=world.sit, team=world.service.team, start=soon(-1), hours=4)
    else:
        Environment.objects.filter(pk=world.prod.pk).update(requires_deployment_approval=True)
        ReleaseSettingsFactory(organization=org_a, require_release_slots=True)
        SlotBookingFactory(organization=org_a, release=release, slot_start=soon(-1), slot_end=soon(2))
    ask(api_a, environment=environment)  # the token's first use records when it was last used
    # Plus the request's own two: organization and token (the tenant setting travels with the
    # first statement of each transaction, vsm/tenancy/transaction_settings.py).
    with django_assert_num_queries(2 + queries):
        answer = ask(api_a, environment=environment)
    assert set(codes(answer)) == expected
    assert DeploymentCheck.objects.filter(environment_slug=environment).count() == 2


def test_the_freeze_rules_kept_in_memory_follow_every_change(world, api_a, manager, org_a, in_a):
    assert ask(api_a)["decision"] == "allow"
    window = FreezeWindowFactory(organization=org_a, name="Sudden freeze")
    assert codes(ask(api_a)) == ["freeze_active"]
    services.freeze_window_update(actor=manager, window=window, scope="environments", environments=[world.sit])
    assert ask(api_a)["decision"] == "allow"
    assert codes(ask(api_a, environment="payments-sit", version="9.9.9")) == ["freeze_active", "no_booking"]
    services.freeze_window_update(actor=manager, window=window, environments=[world.prod])
    assert codes(ask(api_a)) == ["freeze_active"]
    window.delete()
    assert ask(api_a)["decision"] == "allow"


def test_a_quiet_recurring_freeze_denies_again_when_its_next_occurrence_starts(world, manager, in_a):
    """A window found quiet is not expanded again until its next occurrence: which must still deny."""
    start = timezone.now().replace(microsecond=0) + timedelta(hours=1)
    services.freeze_window_create(actor=manager, name="Daily drill", starts_at=start, ends_at=start + timedelta(
        minutes=30), rrule="FREQ=DAILY", time_zone="UTC")
    ci = Actor(role=Role.ENGINEER, system="ci")

    def check(at):
        return services.deployment_check(actor=ci, service="payments-api", environment="payments-prod",
                                         version="2.4.0", at=at)

    assert check(start - timedelta(minutes=5)).decision == "allow"
    assert check(start + timedelta(minutes=5)).decision == "deny"
    assert check(start + timedelta(minutes=40)).decision == "allow"
    assert check(start + timedelta(days=1, minutes=10)).decision == "deny"


@pytest.mark.parametrize("denied", [False, True])
def test_the_answer_is_written_as_its_declared_fields_would_write_it(world, api_a, org_a, in_a, denied):
    """The serializer writes the answer directly (it is on CI's hot path): it must say exactly
    what its declared fields, which the schema shows, would."""
    from rest_framework import serializers

    from releases.api.serializers import DeploymentCheckSerializer

    if denied:  # a retry_after and a reason with times in it
        FreezeWindowFactory(organization=org_a, starts_at=soon(-1), ends_at=soon(2))
    check = DeploymentCheck.objects.get(pk=ask(api_a)["id"])
    assert bool(check.retry_after) == denied
    serializer = DeploymentCheckSerializer(check)
    assert serializer.data == serializers.Serializer.to_representation(serializer, check)
