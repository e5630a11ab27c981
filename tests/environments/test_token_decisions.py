"""Tokens never decide a request they made, nor (unless TOKENS_MAY_DECIDE_TOKEN_REQUESTS) one any
token made; a token's decision is recorded with the token and shown by its name."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from environments.models import Booking, Decision, DeploymentApprovalRequest
from tests.environments.factories import BookingFactory, EnvironmentFactory
from tests.factories import ServiceFactory
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import ApiToken
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

API = "/api/v1/orgs/acme"


def start(hours: float) -> str:
    return (timezone.now() + timedelta(days=3, hours=hours)).isoformat()


@pytest.fixture
def manager_token(org_a, token_client):
    """``manager_token(name)``: an API client holding a new environment manager token of org A."""
    return lambda name: token_client(org_a, role=Role.ENVIRONMENT_MANAGER, name=name)


@pytest.fixture
def uat(org_a, org_b):
    ServiceFactory(organization=org_a, slug="payments-api")
    return EnvironmentFactory(organization=org_a, slug="uat", name="UAT", requires_approval=True)


def book(client) -> int:
    response = client.post(f"{API}/bookings/", {"environment": "uat", "start": start(0), "end": start(1),
                                                 "purpose": "Regression"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "requested"
    return response.json()["id"]


def ask_deploy(client) -> int:
    response = client.post(f"{API}/deployment-approvals/", {"environment": "uat", "service": "payments-api",
                                                            "version": "2.0.0"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


# --- a token's own requests ----------------------------------------------------------------------

# What a token asks for, where it is decided, what the refusal calls it, and the row it leaves.
REQUESTS = {"booking": (book, "bookings", "booking request", Booking),
            "deployment": (ask_deploy, "deployment-approvals", "deployment request", DeploymentApprovalRequest)}


@pytest.mark.parametrize("allowed", [False, True])
@pytest.mark.parametrize("kind", REQUESTS)
def test_a_token_cannot_approve_its_own_request(org_a, uat, manager_token, kind, allowed):
    make, path, what, model = REQUESTS[kind]
    ci = manager_token("ci-deployer")
    made = make(ci)
    with override_settings(TOKENS_MAY_DECIDE_TOKEN_REQUESTS=allowed):
        refused = ci.post(f"{API}/{path}/{made}/approve/", {}, format="json")
    assert refused.status_code == 403
    assert f"Token 'ci-deployer' made this {what}" in refused.json()["error"]["message"]
    with tenant_context(org_a):
        row = model.objects.get(pk=made)
        assert (row.status, row.decided_by, row.decided_by_token) == (Decision.REQUESTED, None, None)
        assert row.requested_by_token == ApiToken.objects.get(name="ci-deployer")


def test_a_request_from_before_tokens_were_kept_is_known_by_its_label(org_a, uat, manager_token):
    with tenant_context(org_a):
        old = BookingFactory(organization=org_a, environment=uat, requested_by=None, requester_label="token:ci-old",
                             status=Booking.Status.REQUESTED)
    refused = manager_token("ci-old").post(f"{API}/bookings/{old.pk}/reject/", {}, format="json")
    assert refused.status_code == 403 and "made this booking request" in refused.json()["error"]["message"]


# --- other tokens' requests ----------------------------------------------------------------------

def test_by_default_a_token_decides_no_request_another_token_made(org_a, uat, manager_token):
    booking, approval = book(manager_token("ci-deployer")), ask_deploy(manager_token("ci-deployer-2"))
    approver = manager_token("cd-approver")
    for url in (f"{API}/bookings/{booking}/approve/", f"{API}/deployment-approvals/{approval}/reject/"):
        refused = approver.post(url, {}, format="json")
        assert refused.status_code == 403
        assert "TOKENS_MAY_DECIDE_TOKEN_REQUESTS" in refused.json()["error"]["message"]


@override_settings(TOKENS_MAY_DECIDE_TOKEN_REQUESTS=True)
def test_when_allowed_a_token_decides_another_tokens_request_and_is_recorded(org_a, uat, manager_token):
    booking, approval = book(manager_token("ci-deployer")), ask_deploy(manager_token("ci-deployer"))
    approver = manager_token("cd-approver")
    decided = approver.post(f"{API}/bookings/{booking}/approve/", {}, format="json")
    assert decided.status_code == 200, decided.content
    assert (decided.json()["decided_by"], decided.json()["decided_by_token"]) == (None, "cd-approver")
    deployed = approver.post(f"{API}/deployment-approvals/{approval}/approve/", {}, format="json")
    assert deployed.status_code == 200 and deployed.json()["decided_by_token"] == "cd-approver"
    listed = approver.get(f"{API}/deployment-approvals/?status=approved").json()["results"]
    assert [a["decided_by_token"] for a in listed] == ["cd-approver"]


def test_a_token_decides_a_persons_request_and_the_page_names_the_token(org_a, uat, manager_token, api_as, client):
    person = api_as(Role.ENGINEER)
    booking = book(person)
    decided = manager_token("cd-approver").post(f"{API}/bookings/{booking}/approve/", {"note": "ok"}, format="json")
    assert decided.status_code == 200 and decided.json()["decided_by_token"] == "cd-approver"
    with tenant_context(org_a):
        assert Booking.objects.get(pk=booking).decided_by_token.name == "cd-approver"
    client.force_login(person.user)
    page = client.get(f"/o/{org_a.slug}/environments/bookings/mine/").content.decode()
    assert 'data-testid="decided-by">by token cd-approver<' in page


def test_a_person_still_decides_a_tokens_request(org_a, uat, manager_token, api_as):
    approval = ask_deploy(manager_token("ci-deployer"))
    approver = api_as(Role.ENVIRONMENT_MANAGER)
    decided = approver.post(f"{API}/deployment-approvals/{approval}/approve/", {}, format="json")
    assert decided.status_code == 200
    assert (decided.json()["decided_by"], decided.json()["decided_by_token"]) == (approver.user.email, None)
    with tenant_context(org_a):
        assert DeploymentApprovalRequest.objects.get(pk=approval).requested_by_token.name == "ci-deployer"
