"""The gate rules releases registers: a booking of the phase's environment held for the phase,
and the "previous gate met" wiring through the gates' context."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from gates import services as gates
from gates.models import Evaluation, Status
from gates.rules import registry
from releases import services
from releases.rules import BOOKING_HELD
from releases.selectors.releases import LateDependency
from tests.environments.factories import BookingFactory, EnvironmentFactory
from tests.releases.factories import PhaseFactory, ReleaseDependencyFactory, ReleaseFactory
from vsm.moments import moment_text, period_text
from vsm.tenancy.actor import Actor

pytestmark = pytest.mark.django_db

BOOKED = [{"title": "Booked", "type": "automated", "rule": BOOKING_HELD, "params": {}}]


def phase_with_gate(world, manager, environment, params=None, **phase_fields):
    release = services.release_create(actor=manager, name="R", version="3.1.0", value_stream=world.stream)
    start = phase_fields.pop("start", timezone.now() + timedelta(days=1))
    criteria = [{**BOOKED[0], "params": params or {}}]
    return services.phase_add(actor=manager, release=release, name="SIT", environment=environment,
                              planned_start=start, planned_end=start + timedelta(days=2), entry_criteria=criteria)


def state(phase) -> str:
    gate = gates.gate_evaluate(actor=Actor.for_system("test"), gate=phase.entry_gate)
    return gate.criteria.get().state


def test_the_rule_is_registered_with_its_schema():
    rule = registry.get(BOOKING_HELD)
    assert rule is not None and rule.params_schema["additionalProperties"] is False


def test_a_booking_naming_the_release_during_the_phase_meets_it(world, manager):
    phase = phase_with_gate(world, manager, world.sit)
    assert state(phase) == Status.PENDING
    BookingFactory(organization=world.stream.organization, environment=world.sit, release_ref="3.1.0",
                   start=phase.planned_start + timedelta(hours=2), hours=4)
    assert state(phase) == Status.MET
    evidence = Evaluation.objects.filter(gate=phase.entry_gate).first()
    assert evidence.values["environment"] == world.sit.slug and evidence.values["booking_id"]


@pytest.mark.parametrize(("params", "expected"), [({}, Status.PENDING), ({"match_release": False}, Status.MET)])
def test_another_releases_booking_counts_only_when_asked(world, manager, params, expected):
    phase = phase_with_gate(world, manager, world.sit, params=params)
    BookingFactory(organization=world.stream.organization, environment=world.sit, release_ref="other",
                   start=phase.planned_start, hours=4)
    assert state(phase) == expected


def test_a_booking_outside_the_phase_does_not_count(world, manager):
    phase = phase_with_gate(world, manager, world.sit)
    BookingFactory(organization=world.stream.organization, environment=world.sit, release_ref="3.1.0",
                   start=phase.planned_end + timedelta(days=1), hours=4)
    assert state(phase) == Status.PENDING


@pytest.mark.parametrize("environment", ["prod", None])
def test_nothing_to_book_is_met(world, manager, environment):
    phase = phase_with_gate(world, manager, world.prod if environment else None)
    assert state(phase) == Status.MET


def test_a_gate_outside_a_release_is_an_error_not_a_crash(world, manager):
    gate = gates.gate_create(actor=manager, name="Loose", criteria=BOOKED)
    criterion = gate.criteria.get()
    assert criterion.state == Status.FAILED and "phase_id" in criterion.summary


def test_a_done_phase_was_held_while_it_ran(world, manager, org_a):
    env = EnvironmentFactory(organization=org_a, slug="sit-9", tier="integration")
    release = ReleaseFactory(organization=org_a, version="3.1.0")
    now = timezone.now()
    phase = PhaseFactory(organization=org_a, release=release, environment=env, status="done",
                         planned_start=now - timedelta(days=9), planned_end=now - timedelta(days=7),
                         actual_start=now - timedelta(days=5), actual_end=now - timedelta(days=3))
    gate = gates.gate_create(actor=manager, name="Done", context={"phase_id": phase.pk}, criteria=BOOKED)
    assert gate.criteria.get().state == Status.PENDING
    BookingFactory(organization=org_a, environment=env, release_ref="3.1.0", start=now - timedelta(days=4), hours=6)
    assert gates.gate_evaluate(actor=manager, gate=gate).criteria.get().state == Status.MET


def test_the_booking_evidence_gives_the_times_in_the_organizations_zone_named(world, manager, org_a):
    """Evidence is kept for every reader: the organization's zone, named (not UTC without a word)."""
    org_a.time_zone = "Europe/Berlin"
    org_a.save(update_fields=["time_zone"])
    phase = phase_with_gate(world, manager, world.sit)
    start = phase.planned_start.replace(minute=16, second=0, microsecond=0) + timedelta(hours=2)
    BookingFactory(organization=org_a, environment=world.sit, release_ref="3.1.0", start=start, hours=6)
    assert state(phase) == Status.MET
    summary = Evaluation.objects.filter(gate=phase.entry_gate).first().summary
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    expected = period_text(start, start + timedelta(hours=6), zone=berlin, name_zone=True)
    assert f"is booked {expected}" in summary and "(Europe/Berlin)" in summary
    assert f"{start.astimezone(berlin):%H:%M}" in summary and "+00:00" not in summary


def test_a_late_dependency_says_its_times_in_the_readers_zone(world, manager, org_a):
    needed, finishes = timezone.now().replace(hour=7, minute=0), timezone.now().replace(hour=9, minute=30)
    dependency = ReleaseDependencyFactory(organization=org_a)
    late = LateDependency(dependency=dependency, needed_by=needed, finishes_at=finishes)
    los_angeles = zoneinfo.ZoneInfo("America/Los_Angeles")
    with timezone.override(los_angeles):
        message = late.message
    assert f"by {moment_text(needed, zone=los_angeles)}," in message
    assert f"finish {moment_text(finishes, zone=los_angeles)}." in message
    assert "07:00" not in message and "09:30" not in message  # the UTC hours
