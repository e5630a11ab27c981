""""Change request not approved": the reason integrations adds to the deployment check, asked
through the endpoint CI calls, and the change-control marking behind it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from integrations.checks import CHANGE_NOT_APPROVED
from integrations.models import ChangeControlledEnvironment
from integrations.services.change_control import change_control_set
from releases.services import CHECKS
from tests.environments.factories import EnvironmentFactory
from tests.factories import ServiceFactory
from tests.integrations.factories import ChangeRequestFactory, ChangeRequestServiceFactory
from tests.releases.factories import ReleaseFactory, ReleaseServiceFactory
from vsm.audit.models import AuditEvent
from vsm.errors import PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/orgs/acme/deployment-checks/"
MANAGER = Actor(role=Role.ENVIRONMENT_MANAGER, system="tests")


@pytest.fixture
def world(org_a, org_b):
    """Org A's payments-api and a change-controlled production; org B has the same slugs and an
    approved change for its own payments-api, which must never let org A deploy."""
    with tenant_context(org_b):
        service_b = ServiceFactory(organization=org_b, slug="payments-api")
        prod_b = EnvironmentFactory(organization=org_b, slug="payments-prod", tier="production", is_production=True,
                                    is_bookable=False, requires_booking=False)
        change_control_set(actor=MANAGER, environment=prod_b, required=True)
        ChangeRequestServiceFactory(organization=org_b, service=service_b, change_request=ChangeRequestFactory(
            organization=org_b, number="CHG0000001", approval="approved", state="implement"))
    with tenant_context(org_a):
        service = ServiceFactory(organization=org_a, slug="payments-api")
        prod = EnvironmentFactory(organization=org_a, slug="payments-prod", name="Payments Production",
                                  tier="production", is_production=True, is_bookable=False, requires_booking=False)
        test = EnvironmentFactory(organization=org_a, slug="payments-test", name="Payments Test", is_bookable=False,
                                  requires_booking=False)
        change_control_set(actor=MANAGER, environment=prod, required=True)
        yield {"service": service, "prod": prod, "test": test, "org": org_a}


def ask(client, environment="payments-prod", **extra):
    response = client.post(URL, {"service": "payments-api", "environment": environment, "version": "2.4.0",
                                 **extra}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def change_for_service(world, **fields):
    change = ChangeRequestFactory(organization=world["org"], **{"approval": "approved", "state": "implement",
                                                                 **fields})
    ChangeRequestServiceFactory(organization=world["org"], change_request=change, service=world["service"])
    return change


def test_the_check_is_registered_once():
    from integrations.checks import change_reasons

    assert CHECKS.count(change_reasons) == 1


def test_no_change_request_denies_a_change_controlled_environment(world, api_a):
    answer = ask(api_a)
    assert (answer["decision"], [r["code"] for r in answer["reasons"]]) == ("deny", [CHANGE_NOT_APPROVED])
    assert "Payments Production needs an approved change request" in answer["reasons"][0]["message"]
    assert answer["reasons"][0]["change_requests"] == []


def test_an_environment_without_change_control_needs_no_change(world, api_a):
    answer = ask(api_a, environment="payments-test")
    assert answer["decision"] == "allow", answer["reasons"]


@pytest.mark.parametrize(("fields", "decision", "named"), [
    ({}, "allow", None),
    ({"planned_start": -1, "planned_end": 2}, "allow", None),
    ({"approval": "requested", "state": "authorize"}, "deny", "requested (authorize)"),
    ({"approval": "rejected", "state": "new"}, "deny", "rejected (new)"),
    ({"planned_start": -5, "planned_end": -1}, "deny", "its window has passed"),
])
def test_the_change_of_the_service_decides(world, api_a, fields, decision, named):
    now = timezone.now()
    for edge in ("planned_start", "planned_end"):
        if edge in fields:
            fields[edge] = now + timedelta(hours=fields[edge])
    change = change_for_service(world, number="CHG0000042", url="https://snow.test/CHG0000042", **fields)
    answer = ask(api_a)
    assert answer["decision"] == decision
    if named:
        (found,) = answer["reasons"]
        assert found["code"] == CHANGE_NOT_APPROVED and found["change"] == "CHG0000042"
        assert named in found["message"] and "CHG0000042" in found["message"]
        assert found["change_requests"] == [{"id": change.pk, "number": "CHG0000042", "state": change.state,
                                             "approval": change.approval, "url": "https://snow.test/CHG0000042"}]


@pytest.mark.parametrize("state", ["closed", "cancelled"])
def test_an_ended_change_authorizes_nothing(world, api_a, state):
    change_for_service(world, state=state)
    assert ask(api_a)["decision"] == "deny"


def test_an_approved_change_for_later_denies_until_its_window_opens(world, api_a):
    opens = (timezone.now() + timedelta(hours=3)).replace(microsecond=0)
    change_for_service(world, number="CHG0000077", planned_start=opens, planned_end=opens + timedelta(hours=2))
    answer = ask(api_a)
    assert answer["decision"] == "deny" and answer["reasons"][0]["change"] == "CHG0000077"
    assert answer["retry_after"] is not None and answer["retry_after"].startswith(opens.isoformat()[:16])


def test_an_approved_change_of_the_release_counts(world, api_a):
    release = ReleaseFactory(organization=world["org"], version="2.4.0")
    ReleaseServiceFactory(organization=world["org"], release=release, service=world["service"])
    ChangeRequestFactory(organization=world["org"], release=release, approval="approved", state="scheduled")
    answer = ask(api_a, release=release.pk)
    # Only the release plan's warning (no phase deploys there) remains.
    assert (answer["decision"], [r["code"] for r in answer["reasons"]]) == ("warn", ["not_in_release_plan"])


def test_lifting_change_control_allows_and_both_changes_are_audited(world, api_a):
    actor = Actor(role=Role.ENVIRONMENT_MANAGER, system="tests")
    assert change_control_set(actor=actor, environment=world["prod"], required=True) is False  # already set
    assert change_control_set(actor=actor, environment=world["prod"], required=False) is True
    assert not ChangeControlledEnvironment.objects.exists()
    assert ask(api_a)["decision"] == "allow"
    assert list(AuditEvent.objects.filter(object_id=str(world["prod"].pk)).values_list("action", flat=True)
                .order_by("id")) == ["environment.change_control_required", "environment.change_control_lifted"]


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.RELEASE_MANAGER, Role.VIEWER])
def test_only_environment_managers_mark_environments(world, role):
    with pytest.raises(PermissionRefused):
        change_control_set(actor=Actor(role=role, system="tests"), environment=world["test"], required=True)
