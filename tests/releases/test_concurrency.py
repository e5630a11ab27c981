"""Concurrent advances of one release: the release row is locked and the gates are evaluated in
the same transaction, so two requests never both pass, and none passes an unmet gate. Each
thread has its own connection: these are real concurrent, committed transactions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gates import services as gates
from releases import services
from releases.models import Phase, PhaseStatus
from vsm.errors import Conflict
from vsm.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 8
SIGN_OFF = [{"title": "Sign-off", "type": "manual", "signer_role": "approver"}]


def _release(world, manager, approver, *, phases: int, signed: int):
    """A release with its first phase active and the exit gates of the first `signed` phases met."""
    release = services.release_create(actor=manager, name="Race", version="1.0", value_stream=world.stream)
    start = timezone.now()
    for n in range(phases):
        services.phase_add(actor=manager, release=release, name=f"P{n + 1}", planned_start=start + timedelta(days=n),
                           planned_end=start + timedelta(days=n + 1), exit_criteria=SIGN_OFF)
    services.release_advance_phase(actor=manager, release=release)
    for phase in Phase.objects.filter(release=release).order_by("order")[:signed]:
        gates.gate_sign_off(actor=approver, criterion=phase.exit_gate.criteria.get(), decision="approve")
    return release


def _statuses(org, release) -> list[str]:
    with tenant_context(org):
        return list(Phase.objects.filter(release=release).order_by("order").values_list("status", flat=True))


def test_simultaneous_advances_of_the_same_phase_move_it_once(world, manager, approver, org_a, race):
    release = _release(world, manager, approver, phases=3, signed=2)
    first = Phase.objects.get(release=release, order=1)
    results, errors = race(org_a, [lambda: services.release_advance_phase(actor=manager, release=release,
                                                                          phase_id=first.pk)] * REQUESTS)
    assert len(results) == 1, errors
    assert len(errors) == REQUESTS - 1 and all(isinstance(e, Conflict) for e in errors), errors
    assert _statuses(org_a, release) == [PhaseStatus.DONE, PhaseStatus.ACTIVE, PhaseStatus.PENDING]


def test_simultaneous_advances_never_pass_an_unmet_gate(world, manager, approver, org_a, race):
    # P1 -> P2 may pass once; P2 -> P3 never (P2's exit gate is not signed off).
    release = _release(world, manager, approver, phases=3, signed=1)
    results, errors = race(org_a, [lambda: services.release_advance_phase(actor=manager, release=release)] * REQUESTS)
    assert len(results) == 1, errors
    assert all(isinstance(e, Conflict) and "P2" in e.message for e in errors), errors
    assert _statuses(org_a, release) == [PhaseStatus.DONE, PhaseStatus.ACTIVE, PhaseStatus.PENDING]
