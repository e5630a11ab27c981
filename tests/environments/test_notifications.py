"""The approval notifications reach people through the real notify(): rows in their inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from environments import services
from environments.services import _common
from tests.environments.factories import EnvironmentFactory
from tests.factories import TeamFactory, TeamMemberFactory
from vsm.notifications.models import Notification
from vsm.notifications.services import notify
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def test_a_request_lands_in_the_managers_inbox_and_the_decision_in_the_requesters(org_a, org_b, member_factory,
                                                                                 monkeypatch):
    monkeypatch.setattr(_common, "_deliver", notify)  # undo the recording fixture: the real thing
    owners = TeamFactory(organization=org_a)
    manager = member_factory(Role.ENGINEER, email="mona@acme.test")
    requester = member_factory(Role.ENGINEER, email="rick@acme.test")
    TeamMemberFactory(organization=org_a, team=owners, user=manager, is_manager=True)
    env = EnvironmentFactory(organization=org_a, name="UAT", requires_approval=True, owning_team=owners)
    start = timezone.now() + timedelta(days=1)
    with tenant_context(org_a):
        (booking,) = services.booking_request(actor=Actor(role=Role.ENGINEER, user=requester), environment=env,
                                              start=start, end=start + timedelta(hours=1), purpose="UAT run")
        services.booking_approve(actor=Actor(role=Role.ENGINEER, user=manager), booking=booking)
        inbox = {(n.recipient.email, n.kind) for n in Notification.objects.select_related("recipient")}
    assert inbox == {("mona@acme.test", "approval_needed"), ("rick@acme.test", "decision_made")}
