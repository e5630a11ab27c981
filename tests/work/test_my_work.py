"""My work: what waits on one person, tenant- and role-correct, decided several at a time; the
unread count in every page's navigation; pages that poll a version stamp."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from environments.models import Booking, Decision, ProvisioningRequest
from gates import services as gates
from gates.models import Criterion, SignOff, Status
from releases import services as releases
from releases.defaults import DEFAULT_TEMPLATE
from tests.environments.factories import (
    BookingFactory,
    DeploymentApprovalRequestFactory,
    EnvironmentFactory,
    ProvisioningRequestFactory,
)
from tests.factories import ValueStreamFactory
from vsm.notifications.models import Notification
from vsm.notifications.services import notify
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role
from work.selectors import my_work
from work.services import work_decide

pytestmark = pytest.mark.django_db
SIGN = [{"title": "Test lead sign-off", "type": "manual", "signer_role": Role.APPROVER}]


@pytest.fixture
def people(member_factory):
    def actor(role, email):
        return Actor(role=role, user=member_factory(role, email=email))
    return {"rm": actor(Role.RELEASE_MANAGER, "rm@acme.test"), "approver": actor(Role.APPROVER, "ann@acme.test"),
            "engineer": actor(Role.ENGINEER, "eng@acme.test"),
            "envs": actor(Role.ENVIRONMENT_MANAGER, "env@acme.test")}


def waiting_world(org, people, suffix=""):
    """A booking and a deployment waiting for approval, a gate waiting for an approver's sign-off,
    a provisioning request, all asked by the engineer."""
    env = EnvironmentFactory(organization=org, requires_approval=True, name=f"SIT{suffix}")
    booking = BookingFactory(organization=org, environment=env, status=Booking.Status.REQUESTED,
                             requested_by=people["engineer"].user, start=timezone.now() + timedelta(days=2))
    deployment = DeploymentApprovalRequestFactory(organization=org, environment=env,
                                                  requested_by=people["engineer"].user)
    gate = gates.gate_create(actor=people["rm"], name=f"SIT exit{suffix}", owner=people["rm"].user, criteria=SIGN)
    provisioning = ProvisioningRequestFactory(organization=org, requested_by=people["engineer"].user)
    return booking, deployment, gate.criteria.get(), provisioning


def keys(actor, slug="acme") -> set[str]:
    return {item.key for item in my_work(actor=actor, org_slug=slug)}


def test_each_person_sees_what_waits_on_them_and_nothing_of_another_organization(org_a, org_b, people,
                                                                                  member_factory):
    with tenant_context(org_b):
        b_people = {"rm": Actor(role=Role.RELEASE_MANAGER, user=member_factory(Role.RELEASE_MANAGER, org=org_b)),
                    "engineer": people["engineer"]}
        # B has its own approver and items: none of them shows in A's lists.
        member_factory(Role.APPROVER, org=org_b, email="ann-b@globex.test")
        waiting_world(org_b, b_people, suffix=" B")
    with tenant_context(org_a):
        booking, deployment, criterion, provisioning = waiting_world(org_a, people)
        approver, envs, engineer, rm = people["approver"], people["envs"], people["engineer"], people["rm"]
        assert keys(approver) == {f"booking:{booking.pk}", f"deployment:{deployment.pk}",
                                  f"signoff:{criterion.pk}"}
        # The environment manager decides environments' requests and moves provisioning on; signs nothing.
        assert keys(envs) == {f"booking:{booking.pk}", f"deployment:{deployment.pk}",
                              f"provisioning:{provisioning.pk}"}
        # The requester's own requests wait for someone else; the gate owner may not sign.
        assert keys(engineer) == set()
        assert keys(rm) == set()


def test_reminders_own_bookings_expiring_waivers_and_releases_at_risk(in_a, org_a, people):
    rm, engineer = people["rm"], people["engineer"]
    env = EnvironmentFactory(organization=org_a, name="UAT")
    soon = BookingFactory(organization=org_a, environment=env, requested_by=engineer.user,
                          start=timezone.now() + timedelta(hours=3))
    BookingFactory(organization=org_a, environment=env, requested_by=engineer.user,
                   start=timezone.now() + timedelta(days=3))
    gate = gates.gate_create(actor=rm, name="Gate", owner=rm.user, criteria=SIGN)
    waiver = gates.criterion_waive(actor=rm, criterion=gate.criteria.get(), reason="On leave",
                                   expires_at=timezone.now() + timedelta(hours=20))
    assert keys(engineer) == {f"my_booking:{soon.pk}"}

    stream = ValueStreamFactory(organization=org_a)
    template = releases.template_create(actor=rm, **DEFAULT_TEMPLATE)
    release = releases.release_create_from_template(actor=rm, template=template, name="Late", version="1.0",
                                                    value_stream=stream,
                                                    planned_start=timezone.now() - timedelta(days=2))
    found = my_work(actor=rm, org_slug="acme")
    assert f"waiver:{waiver.pk}" in {item.key for item in found}
    risks = {item.reason for item in found if item.kind == "release" and item.id == release.pk}
    assert "late_phase" in risks  # BUILD should have started two days ago
    # Another release manager owns nothing: no risks of someone else's release.
    other = Actor(role=Role.RELEASE_MANAGER, user=people["envs"].user)
    assert not [item for item in my_work(actor=other, org_slug="acme") if item.kind == "release"]
    # Newest first.
    assert [item.since for item in found] == sorted((item.since for item in found), reverse=True)


def test_several_items_decided_at_once_through_their_own_services(in_a, org_a, people):
    booking, deployment, criterion, provisioning = waiting_world(org_a, people)
    outcomes = work_decide(actor=people["approver"], approve=True, note="Fine",
                           keys=[f"booking:{booking.pk}", f"deployment:{deployment.pk}", f"signoff:{criterion.pk}",
                                 f"provisioning:{provisioning.pk}"])
    assert [o.done for o in outcomes] == [True, True, True, False]
    assert "Your role may not" in outcomes[3].error.message  # provisioning is the environment managers'
    booking.refresh_from_db()
    deployment.refresh_from_db()
    assert booking.status == Booking.Status.APPROVED and booking.decision_note == "Fine"
    assert deployment.status == Decision.APPROVED
    assert SignOff.objects.get(criterion=criterion).comment == "Fine"
    assert Criterion.objects.get(pk=criterion.pk).state == Status.MET
    provisioning.refresh_from_db()
    assert provisioning.status == ProvisioningRequest.Status.REQUESTED
    assert keys(people["approver"]) == set()


def test_the_page_decides_ticked_items_and_refuses_bad_input(client, in_a, org_a, people):
    booking, deployment, criterion, _ = waiting_world(org_a, people)
    client.force_login(people["approver"].user)
    page = client.get("/o/acme/my-work/").content.decode()
    assert page.count('data-testid="work-item"') == 3 and 'data-testid="my-work-link"' in page
    answer = client.post("/o/acme/my-work/", {"act": "reject", "items": [f"booking:{booking.pk}",
                                                                         f"deployment:{deployment.pk}"]})
    assert answer.status_code == 302
    booking.refresh_from_db()
    assert booking.status == Booking.Status.REJECTED
    answer = client.post("/o/acme/my-work/", {"act": f"approve signoff:{criterion.pk}",
                                              f"note:signoff:{criterion.pk}": "Looks right"})
    assert answer.status_code == 302 and SignOff.objects.get().comment == "Looks right"
    assert client.post("/o/acme/my-work/", {"act": "approve"}).status_code == 400  # nothing ticked
    assert client.post("/o/acme/my-work/", {"act": "approve", "items": ["gate:1"]}).status_code == 400
    assert client.post("/o/acme/my-work/", {"act": "maybe"}).status_code == 400


def test_the_page_reads_a_fixed_number_of_queries(client, in_a, org_a, people):
    """However many items wait: the environment manager's and the approver's pages cost the same."""
    def cost(user) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as sent:
            assert client.get("/o/acme/my-work/").status_code == 200
        return len(sent.captured_queries)

    waiting_world(org_a, people, suffix=" 0")
    few = {role: cost(people[role].user) for role in ("envs", "approver")}
    for n in range(1, 4):
        waiting_world(org_a, people, suffix=f" {n}")
    assert {role: cost(people[role].user) for role in ("envs", "approver")} == few
    assert max(few.values()) <= 22


def test_the_unread_count_costs_one_query_on_every_page(client, in_a, org_a, people):
    user = people["engineer"].user
    notify(recipients=[user] * 1, kind="general", title="One")
    notify(recipients=[user], kind="general", title="Two")
    client.force_login(user)
    for path in ("/o/acme/", "/o/acme/releases/", "/o/acme/my-work/"):
        with CaptureQueriesContext(connection) as sent:
            page = client.get(path).content.decode()
        counts = [q["sql"] for q in sent.captured_queries if "notifications_notification" in q["sql"]]
        assert len(counts) == 1, counts
        assert 'aria-label="Notifications, 2 unread"' in page
    Notification.objects.update(read_at=timezone.now())
    assert 'aria-label="Notifications, 0 unread"' in client.get("/o/acme/").content.decode()


def test_live_pages_answer_204_until_something_changes(client, in_a, org_a, people):
    booking, *_ = waiting_world(org_a, people)
    client.force_login(people["approver"].user)
    page = client.get("/o/acme/my-work/").content.decode()
    stamp = page.split("live=", 1)[1].split('"', 1)[0]
    poll = {"HTTP_HX_REQUEST": "true"}
    assert client.get(f"/o/acme/my-work/?live={stamp}", **poll).status_code == 204
    assert client.get(f"/o/acme/environments/approvals/?live={stamp}", **poll).status_code == 204
    # Without htmx the parameter is ignored: a full page.
    assert client.get(f"/o/acme/my-work/?live={stamp}").status_code == 200
    work_decide(actor=people["envs"], keys=[f"booking:{booking.pk}"], approve=True)
    changed = client.get(f"/o/acme/my-work/?live={stamp}", **poll)
    assert changed.status_code == 200 and 'id="live"' in changed.content.decode()


def test_the_api_lists_the_same_items_a_page_at_a_time(in_a, org_a, people, token_client):
    from rest_framework.test import APIClient

    booking, deployment, criterion, _ = waiting_world(org_a, people)
    client = APIClient()
    client.force_login(people["approver"].user)
    with CaptureQueriesContext(connection) as sent:
        answer = client.get("/api/v1/orgs/acme/my-work/", {"page_size": 2})
    assert answer.status_code == 200 and answer.json()["count"] == 3 and len(answer.json()["results"]) == 2
    assert len(sent.captured_queries) <= 20
    everything = client.get("/api/v1/orgs/acme/my-work/").json()["results"]
    assert {item["key"] for item in everything} == keys(people["approver"])
    assert {item["kind"] for item in everything} == {"booking", "deployment", "signoff"}
    assert all(item["decidable"] for item in everything)
    # A token is nobody's work; another organization's slug is not found.
    token = token_client(org_a, role=Role.OWNER)
    assert token.get("/api/v1/orgs/acme/my-work/").json()["count"] == 0
    assert client.get("/api/v1/orgs/globex/my-work/").status_code == 404
