"""A release manager asks for a sign-off: the people allowed to give it are notified, and only them."""

from __future__ import annotations

import pytest

from gates import services
from gates.models import Criterion
from vsm.audit.models import AuditEvent
from vsm.errors import Conflict, PermissionRefused
from vsm.notifications.models import Notification, NotificationKind
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

SIGNED = [{"title": "Test lead sign-off", "type": "manual", "signer_role": Role.APPROVER, "required_sign_offs": 2},
          {"title": "Go / no-go", "type": "manual", "signer_role": Role.RELEASE_MANAGER},
          {"title": "CI", "type": "automated", "rule": "ci_result_reported",
           "params": {"name": "unit-tests", "subject": "1.0"}}]


def recipients() -> set[str]:
    return set(Notification.objects.filter(kind=NotificationKind.APPROVAL_NEEDED).values_list(
        "recipient__email", flat=True))


def test_the_people_who_may_sign_are_asked_and_only_them(in_a, org_b, actor_of, member_factory, owner_a):
    rm = actor_of(Role.RELEASE_MANAGER, email="rm@acme.test")
    other_rm = actor_of(Role.RELEASE_MANAGER, email="rm2@acme.test")
    first = actor_of(Role.APPROVER, email="ann@acme.test")
    actor_of(Role.APPROVER, email="bob@acme.test")
    actor_of(Role.ENGINEER, email="eng@acme.test")
    member_factory(Role.APPROVER, org=org_b, email="approver@globex.test")
    gate = services.gate_create(actor=rm, name="SIT exit", owner=rm.user, criteria=SIGNED)
    services.gate_sign_off(actor=first, criterion=Criterion.objects.get(title="Test lead sign-off"),
                           decision="approve")

    asked = services.sign_off_request(actor=rm, gate=gate, note="Please before Friday")

    # Not the owner (segregation of duties: rm owns the gate), not who already signed (ann), not
    # the engineer, not the organization's owner (the roles are held), not org B's approver.
    assert {user.email for user in asked} == {"bob@acme.test", "rm2@acme.test"} == recipients()
    note = Notification.objects.get(recipient__email="bob@acme.test")
    assert note.title == "Sign-off requested: SIT exit" and "Please before Friday" in note.body
    assert note.url == f"/o/acme/gates/{gate.pk}/"
    event = AuditEvent.objects.get(action="gate.sign_off_requested")
    assert event.after["asked"] == ["bob@acme.test", "rm2@acme.test"]
    with tenant_context(org_b):
        assert not Notification.objects.exists()
    assert other_rm.user.pk in {u.pk for u in asked}


def test_stand_ins_are_asked_only_when_nobody_holds_the_role(in_a, actor_of, owner_a):
    rm = actor_of(Role.RELEASE_MANAGER)
    gate = services.gate_create(actor=rm, name="PROD entry", owner=rm.user, criteria=[
        {"title": "Change approved", "type": "manual", "signer_role": Role.APPROVER}])
    assert {u.email for u in services.sign_off_request(actor=rm, gate=gate)} == {"owner@acme.test"}


def test_nothing_to_sign_or_no_right_to_ask_is_refused(in_a, actor_of):
    rm = actor_of(Role.RELEASE_MANAGER)
    gate = services.gate_create(actor=rm, name="Automated", criteria=[SIGNED[2]])
    with pytest.raises(Conflict, match="waits for a sign-off"):
        services.sign_off_request(actor=rm, gate=gate)
    with pytest.raises(PermissionRefused):
        services.sign_off_request(actor=actor_of(Role.APPROVER), gate=gate)
    with pytest.raises(PermissionRefused):
        services.sign_off_request(actor=Actor(role=Role.ENGINEER, system="ci"), gate=gate)
    assert not Notification.objects.exists()


def test_the_checklist_offers_the_request_to_release_managers(client, in_a, actor_of):
    rm = actor_of(Role.RELEASE_MANAGER)
    approver = actor_of(Role.APPROVER, email="ann@acme.test")
    gate = services.gate_create(actor=rm, name="UAT exit", owner=rm.user, criteria=[SIGNED[0]])
    client.force_login(approver.user)
    assert 'data-testid="request-sign-off"' not in client.get(f"/o/acme/gates/{gate.pk}/").content.decode()
    client.force_login(rm.user)
    assert 'data-testid="request-sign-off"' in client.get(f"/o/acme/gates/{gate.pk}/").content.decode()
    answer = client.post(f"/o/acme/gates/{gate.pk}/request-sign-off/", HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "Asked" in answer.content.decode()
    assert recipients() == {"ann@acme.test"}
