"""Releases from templates, phases and their gates, advancing only past met gates, trains,
dependencies and what moving a phase collides with."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gates import services as gates
from gates.models import Evaluation, GateKind
from gates.models import Status as GateStatus
from releases import selectors, services
from releases.models import Phase, PhaseStatus, ReleaseKind, ReleaseStatus
from tests.environments.factories import BookingFactory
from tests.factories import ServiceFactory
from tests.releases.factories import FreezeWindowFactory, ReleaseFactory
from vsm.audit.models import AuditEvent
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

CI = Actor.for_system("ci")


def phase(release, name) -> Phase:
    return Phase.objects.select_related("entry_gate", "exit_gate").get(release=release, name=name)


def book(world, environment, release, **fields):
    return BookingFactory(organization=world.stream.organization, environment=environment,
                          release_ref=release.version, start=timezone.now() - timedelta(hours=1), hours=24 * 30,
                          **fields)


def test_a_release_from_the_template_has_its_phases_environments_and_gates(world, make_release, manager):
    release = make_release()
    phases = list(release.phases.order_by("order"))
    assert [(p.name, p.environment) for p in phases] == [
        ("BUILD", None), ("SIT", world.sit), ("UAT", world.uat), ("PROD", world.prod)]
    assert release.planned_end - release.planned_start == timedelta(days=16)
    assert (release.status, release.owner) == (ReleaseStatus.PLANNED, manager.user)
    previous_exit = None
    for p in phases:
        assert (p.entry_gate.kind, p.exit_gate.kind) == (GateKind.ENTRY, GateKind.EXIT)
        assert p.entry_gate.owner == p.exit_gate.owner == manager.user
        assert p.entry_gate.context["release_version"] == "2.4.0"
        assert p.entry_gate.context.get("previous_gate_id") == previous_exit
        assert p.exit_gate.context["previous_gate_id"] == p.entry_gate.pk
        previous_exit = p.exit_gate.pk
    assert [c.title for c in phases[1].entry_gate.criteria.all()] == ["Previous gate met", "SIT booked for the release"]


def test_the_template_picks_the_streams_environment_or_the_one_given(world, make_release):
    from tests.environments.factories import EnvironmentFactory

    other_sit = EnvironmentFactory(organization=world.stream.organization, slug="sit-2", tier="integration")
    release = make_release(environments={2: other_sit})
    assert phase(release, "SIT").environment == other_sit


def test_advancing_walks_the_phases_only_past_met_gates(world, make_release, manager, approver):
    release = make_release()
    release = services.release_advance_phase(actor=manager, release=release)  # BUILD's entry has no criteria
    assert (phase(release, "BUILD").status, release.status) == (PhaseStatus.ACTIVE, ReleaseStatus.IN_PROGRESS)

    with pytest.raises(Conflict) as refused:
        services.release_advance_phase(actor=manager, release=release)
    assert "Build and unit tests passed" in refused.value.message
    assert refused.value.details["gates"][0]["criteria"][0]["state"] == "pending"
    assert phase(release, "BUILD").status == PhaseStatus.ACTIVE
    # The refusal and what it saw are kept as evidence.
    assert AuditEvent.objects.filter(action="release.advance_refused").count() == 1
    assert Evaluation.objects.filter(gate=phase(release, "BUILD").exit_gate).exists()

    gates.ci_result_report(actor=CI, name="unit-tests", subject="2.4.0", passed=True)
    with pytest.raises(Conflict) as refused:  # SIT is not booked yet
        services.release_advance_phase(actor=manager, release=release)
    assert "SIT booked for the release (pending)" in refused.value.message

    book(world, world.sit, release)
    services.release_advance_phase(actor=manager, release=release, phase_id=phase(release, "BUILD").pk)
    assert [p.status for p in release.phases.order_by("order")] == ["done", "active", "pending", "pending"]

    gates.ci_result_report(actor=CI, name="integration-tests", subject="2.4.0", passed=True)
    book(world, world.uat, release)
    with pytest.raises(Conflict):
        services.release_advance_phase(actor=manager, release=release)  # the test lead has not signed off
    sign_off = next(c for c in phase(release, "SIT").exit_gate.criteria.all() if c.is_manual)
    gates.gate_sign_off(actor=approver, criterion=sign_off, decision="approve")
    services.release_advance_phase(actor=manager, release=release)
    assert phase(release, "UAT").status == PhaseStatus.ACTIVE
    assert AuditEvent.objects.filter(action="release.phase_advanced").count() == 3


def test_a_waived_criterion_does_not_let_a_phase_advance(world, make_release, manager):
    release = make_release()
    services.release_advance_phase(actor=manager, release=release)
    criterion = phase(release, "BUILD").exit_gate.criteria.get()
    gates.criterion_waive(actor=manager, criterion=criterion, reason="CI is down",
                          expires_at=timezone.now() + timedelta(days=1))
    with pytest.raises(Conflict) as refused:
        services.release_advance_phase(actor=manager, release=release)
    assert "Build and unit tests passed (waived)" in refused.value.message


def test_after_the_last_phase_the_release_is_released(world, manager):
    release = services.release_create(actor=manager, name="Tiny", version="0.1", value_stream=world.stream)
    services.phase_add(actor=manager, release=release, name="ONLY", planned_start=timezone.now(),
                       planned_end=timezone.now() + timedelta(days=1))
    services.release_advance_phase(actor=manager, release=release)
    services.release_advance_phase(actor=manager, release=release)
    release.refresh_from_db()
    assert (release.status, release.actual_end is not None) == (ReleaseStatus.RELEASED, True)
    with pytest.raises(Conflict):
        services.release_advance_phase(actor=manager, release=release)


def test_advancing_a_phase_that_is_no_longer_current_is_refused(world, make_release, manager):
    release = make_release()
    build = phase(release, "BUILD")
    services.release_advance_phase(actor=manager, release=release, phase_id=build.pk)
    with pytest.raises(Conflict) as refused:
        services.release_advance_phase(actor=manager, release=release, phase_id=phase(release, "SIT").pk)
    assert "phase" in refused.value.fields


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.APPROVER])
def test_only_release_managers_advance(world, make_release, actor_of, role):
    with pytest.raises(PermissionRefused):
        services.release_advance_phase(actor=actor_of(role), release=make_release())


# --- changing a release ---------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [("version", "9.9"), ("planned_start", "now")])
def test_what_the_gates_carry_no_longer_changes_once_there_are_phases(world, make_release, manager, field, value):
    release = make_release()
    value = timezone.now() if value == "now" else value
    with pytest.raises(Conflict) as refused:
        services.release_update(actor=manager, release=release, **{field: value})
    assert field in refused.value.fields


def test_status_moves_between_draft_planned_and_cancelled_only(world, make_release, manager):
    release = make_release()
    with pytest.raises(InvalidInput):
        services.release_update(actor=manager, release=release, status=ReleaseStatus.RELEASED)
    services.release_update(actor=manager, release=release, status=ReleaseStatus.DRAFT, description="Later")
    services.release_update(actor=manager, release=release, status=ReleaseStatus.CANCELLED)
    with pytest.raises(Conflict):
        services.release_update(actor=manager, release=release, name="Back from the dead")


def test_a_train_spans_its_children_and_only_trains_have_children(world, manager, make_release):
    train = services.release_create(actor=manager, name="Q2 train", version="2025-Q2", kind=ReleaseKind.ENTERPRISE)
    child = make_release(parent=train)
    train.refresh_from_db()
    assert (train.planned_start, train.planned_end) == (child.planned_start, child.planned_end)
    services.phase_update(actor=manager, phase=phase(child, "PROD"),
                          planned_end=phase(child, "PROD").planned_end + timedelta(days=3))
    train.refresh_from_db()
    assert train.planned_end == child.planned_end + timedelta(days=3)
    with pytest.raises(InvalidInput) as refused:
        services.release_create(actor=manager, name="x", version="1", parent=child)
    assert "parent" in refused.value.fields


def test_moving_a_phase_rolls_the_release_up_and_is_audited(world, make_release, manager):
    release = make_release()
    prod = phase(release, "PROD")
    services.phase_update(actor=manager, phase=prod, planned_start=prod.planned_start + timedelta(days=2),
                          planned_end=prod.planned_end + timedelta(days=2))
    release.refresh_from_db()
    assert release.planned_end == prod.planned_end + timedelta(days=2)
    assert AuditEvent.objects.filter(action="phase.updated", object_id=str(prod.pk)).exists()
    with pytest.raises(InvalidInput) as refused:
        services.phase_update(actor=manager, phase=prod, planned_end=prod.planned_start - timedelta(days=1))
    assert "planned_end" in refused.value.fields


def test_only_the_last_pending_phase_is_removed(world, make_release, manager):
    release = make_release()
    with pytest.raises(Conflict):
        services.phase_remove(actor=manager, phase=phase(release, "UAT"))
    prod = phase(release, "PROD")
    gate_ids = {prod.entry_gate_id, prod.exit_gate_id}
    services.phase_remove(actor=manager, phase=prod)
    assert list(release.phases.values_list("name", flat=True)) == ["BUILD", "SIT", "UAT"]
    from gates.models import Gate

    assert Gate.objects.filter(pk__in=gate_ids).count() == 2  # evidence stays


def test_a_phase_added_later_chains_its_gates(world, make_release, manager):
    release = make_release()
    uat_exit = phase(release, "PROD").exit_gate_id
    extra = services.phase_add(actor=manager, release=release, name="HYPERCARE",
                               planned_start=release.planned_end, planned_end=release.planned_end + timedelta(days=7),
                               entry_criteria=[{"title": "Previous gate met", "type": "automated",
                                                "rule": "criteria_of_gate_met",
                                                "params": {"gate_id_from_context": "previous_gate_id"}}])
    assert (extra.order, extra.entry_gate.context["previous_gate_id"]) == (5, uat_exit)
    assert extra.entry_gate.status == GateStatus.PENDING


def test_criteria_errors_name_the_phase_and_criterion(world, make_release, manager):
    with pytest.raises(InvalidInput) as refused:
        services.phase_add(actor=manager, release=make_release(), name="X", planned_start=timezone.now(),
                           planned_end=timezone.now() + timedelta(days=1),
                           exit_criteria=[{"title": "Magic", "type": "automated", "rule": "no-such-rule"}])
    assert "exit_criteria[0].rule" in refused.value.fields


def test_a_template_with_a_criterion_that_could_never_work_is_refused(world, manager):
    with pytest.raises(InvalidInput) as refused:
        services.template_create(actor=manager, name="Broken", phases=[
            {"name": "A", "entry_criteria": []},
            {"name": "B", "entry_criteria": [{"title": "Sign", "type": "manual", "signer_role": "wizard"}]}])
    assert "phases[1].entry_criteria[0].signer_role" in refused.value.fields
    from gates.models import Gate

    assert not Gate.objects.filter(name="template check").exists()
    with pytest.raises(Conflict):
        services.template_create(actor=manager, name="Standard release", phases=[{"name": "A"}])


# --- dependencies ---------------------------------------------------------------------------

def test_a_dependency_finishing_late_warns_both_releases(world, make_release, manager):
    needs = make_release("3.0.0")
    provider = services.release_create(actor=manager, name="Ledger", version="5.0", value_stream=world.stream,
                                       planned_start=needs.planned_start,
                                       planned_end=needs.planned_start + timedelta(days=2))
    dependency = services.dependency_add(actor=manager, release=needs, depends_on=provider)
    late = selectors.dependency_warnings(release=selectors.release_get(release_id=needs.pk))
    assert [w.dependency for w in late] == [dependency]
    assert selectors.dependency_warnings(release=selectors.release_get(release_id=provider.pk))[0].needed_by \
        == needs.planned_start
    services.release_update(actor=manager, release=provider, planned_start=needs.planned_start - timedelta(days=5),
                            planned_end=needs.planned_start - timedelta(days=1))
    assert selectors.dependency_warnings(release=selectors.release_get(release_id=needs.pk)) == []


def test_dependencies_refuse_cycles_duplicates_and_self(world, manager):
    a, b, c = (ReleaseFactory(organization=world.stream.organization) for _ in range(3))
    services.dependency_add(actor=manager, release=a, depends_on=b)
    services.dependency_add(actor=manager, release=b, depends_on=c)
    with pytest.raises(Conflict, match="cycle"):
        services.dependency_add(actor=manager, release=c, depends_on=a)
    with pytest.raises(Conflict):
        services.dependency_add(actor=manager, release=a, depends_on=b)
    with pytest.raises(InvalidInput):
        services.dependency_add(actor=manager, release=a, depends_on=a)


# --- moving a phase: what it collides with --------------------------------------------------

def test_moving_a_phase_shows_freezes_other_bookings_and_late_dependents(world, make_release, manager):
    release = make_release()
    uat = phase(release, "UAT")
    start = uat.planned_end + timedelta(days=10)
    end = start + timedelta(days=3)
    org = world.stream.organization
    freeze = FreezeWindowFactory(organization=org, scope="tier", tier="uat", starts_at=start + timedelta(days=1),
                                 ends_at=start + timedelta(days=2))
    FreezeWindowFactory(organization=org, scope="tier", tier="production", starts_at=start, ends_at=end)
    theirs = BookingFactory(organization=org, environment=world.uat, start=start, hours=5, release_ref="other")
    BookingFactory(organization=org, environment=world.uat, start=start + timedelta(hours=6), hours=5,
                   release_ref="2.4.0")  # ours: no collision
    dependent = ReleaseFactory(organization=org, planned_start=release.planned_end + timedelta(days=1),
                               planned_end=release.planned_end + timedelta(days=9))
    services.dependency_add(actor=manager, release=dependent, depends_on=release)

    found = selectors.phase_collisions(phase=uat, start=start, end=end, environment=world.uat)
    assert [o.window for o in found.freezes] == [freeze]
    assert found.bookings == [theirs]
    assert [late.dependency.release for late in found.late] == [dependent]
    assert found.unbooked is None  # our own booking is in the period
    # At its planned dates nothing collides, but no booking of UAT is held for the release then.
    planned = selectors.phase_collisions(phase=uat, start=uat.planned_start, end=uat.planned_end,
                                         environment=world.uat)
    assert (planned.freezes, planned.bookings, planned.full_slots, planned.late) == ([], [], [], [])
    assert planned.unbooked == world.uat


def test_services_in_scope_carry_their_version(world, manager):
    ledger = ServiceFactory(organization=world.stream.organization, slug="ledger")
    release = services.release_create(actor=manager, name="P", version="2.0", value_stream=world.stream,
                                      services=[(world.service, ""), (ledger, "7.1.0")])

    def release_for(service, version):
        return selectors.check_facts(service=service.slug, environment="", version=version, release_id=None,
                                     at=timezone.now(), user=None).release

    assert release_for(ledger, "7.1.0") is None  # a draft is not open for it
    services.release_update(actor=manager, release=release, status=ReleaseStatus.PLANNED)
    assert release_for(ledger, "7.1.0") == release
    assert release_for(world.service, "2.0") == release
    assert release_for(ledger, "2.0") is None
    with pytest.raises(InvalidInput):
        services.release_update(actor=manager, release=release, services=[(ledger, ""), (ledger, "1")])
