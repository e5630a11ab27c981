"""Gates decide themselves when what they read changes: a booking naming the release, a CI
result, a sign-off on the previous gate. Nobody presses "Evaluate now"; the work runs after
commit through the tasks (eager in tests)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from environments import services as environments
from gates import services as gates
from gates.models import Criterion, Evaluation, Gate, Status
from releases import selectors, services
from releases.models import Phase, PhaseStatus
from tests.releases.factories import PhaseFactory
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db
CI = Actor(role=Role.ENGINEER, system="ci")


def phase(release, name: str) -> Phase:
    return Phase.objects.select_related("entry_gate", "exit_gate", "environment").get(release=release, name=name)


def criterion(gate: Gate, title_start: str) -> Criterion:
    return Criterion.objects.get(gate=gate, title__startswith=title_start)


def book(actor, environment, sit, release_ref="2.4.0"):
    (booking,) = environments.booking_request(
        actor=actor, environment=environment, start=sit.planned_start + timedelta(hours=1),
        end=sit.planned_start + timedelta(hours=5), purpose="SIT run", release_ref=release_ref)
    return booking


def test_a_booking_naming_the_release_meets_the_gate_and_its_cancellation_unmeets_it(
        make_release, manager, world, django_capture_on_commit_callbacks):
    sit = phase(make_release(), "SIT")
    booked = criterion(sit.entry_gate, "SIT booked")
    assert booked.state == Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(manager, world.sit, sit)
    booked.refresh_from_db()
    assert booked.state == Status.MET
    assert Evaluation.objects.filter(criterion=booked, evaluated_by_label__contains="booking-changed").exists()

    with django_capture_on_commit_callbacks(execute=True):
        environments.booking_cancel(actor=manager, booking=booking)
    booked.refresh_from_db()
    assert booked.state == Status.PENDING


def test_a_booking_of_another_release_or_awaiting_approval_does_not_meet_it_until_approved(
        make_release, manager, world, actor_of, django_capture_on_commit_callbacks):
    sit = phase(make_release(), "SIT")
    booked = criterion(sit.entry_gate, "SIT booked")
    world.sit.requires_approval = True
    world.sit.save()
    with django_capture_on_commit_callbacks(execute=True):
        book(manager, world.sit, sit, release_ref="9.9.9")
        (mine,) = environments.booking_request(
            actor=manager, environment=world.sit, start=sit.planned_start + timedelta(hours=6),
            end=sit.planned_start + timedelta(hours=8), purpose="SIT run", release_ref="2.4.0")
    booked.refresh_from_db()
    assert booked.state == Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        environments.booking_approve(actor=actor_of(Role.APPROVER), booking=mine)
    booked.refresh_from_db()
    assert booked.state == Status.MET


def test_a_ci_result_meets_the_build_exit_gate(make_release, django_capture_on_commit_callbacks):
    build = phase(make_release(), "BUILD")
    with django_capture_on_commit_callbacks(execute=True):
        gates.ci_result_report(actor=CI, name="unit-tests", subject="2.4.0", passed=True)
    build.exit_gate.refresh_from_db()
    assert build.exit_gate.status == Status.MET
    # ... and the SIT entry gate's "previous gate met" follows, through the dependency task.
    sit = phase(build.release, "SIT")
    assert criterion(sit.entry_gate, "Previous gate met").state == Status.MET


def test_a_sign_off_on_the_previous_gate_moves_the_next_gate(make_release, approver,
                                                             django_capture_on_commit_callbacks):
    release = make_release()
    sit, uat = phase(release, "SIT"), phase(release, "UAT")
    previous_met = criterion(uat.entry_gate, "Previous gate met")
    with django_capture_on_commit_callbacks(execute=True):
        gates.ci_result_report(actor=CI, name="integration-tests", subject="2.4.0", passed=True)
    previous_met.refresh_from_db()
    assert previous_met.state == Status.PENDING  # the test lead has not signed yet
    with django_capture_on_commit_callbacks(execute=True):
        gates.gate_sign_off(actor=approver, criterion=criterion(sit.exit_gate, "Test lead"), decision="approve")
    previous_met.refresh_from_db()
    assert previous_met.state == Status.MET


def test_a_done_phase_does_not_read_done_while_its_gate_is_pending(world, manager, org_a):
    release = services.release_create(actor=manager, name="R", version="3.1.0", value_stream=world.stream)
    gate = gates.gate_create(actor=manager, name="SIT entry", criteria=[
        {"title": "Sign", "type": "manual", "signer_role": Role.APPROVER}])
    done = PhaseFactory(organization=org_a, release=release, name="SIT", order=1, status=PhaseStatus.DONE,
                        entry_gate=gate)
    met = PhaseFactory(organization=org_a, release=release, name="UAT", order=2, status=PhaseStatus.DONE)
    states = selectors.phase_states(selectors.phases_with_gates().filter(release=release))
    assert states[done.pk].code == "gate_open" and "done" not in states[done.pk].words.lower().split(":")[1]
    assert states[done.pk].words == "Not done: entry gate pending"
    assert states[met.pk].code == PhaseStatus.DONE

    # A waived criterion lets the phase stand (waived is acknowledged, though not met).
    gates.criterion_waive(actor=manager, criterion=gate.criteria.get(), reason="On leave",
                          expires_at=gate.created_at + timedelta(days=3))
    states = selectors.phase_states(selectors.phases_with_gates().filter(release=release))
    assert states[done.pk].code == PhaseStatus.DONE
