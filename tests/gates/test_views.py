"""The gate page and the checklist's buttons, as htmx and as plain forms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from gates import services
from gates.models import SignOff, Status, Waiver
from tests.gates.factories import (
    AutomatedCriterionFactory,
    CriterionFactory,
    EvaluationFactory,
    SignOffFactory,
    WaiverFactory,
)
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, **ids) -> str:
    paths = {"detail": "/o/acme/gates/{gate_id}/", "evaluate": "/o/acme/gates/{gate_id}/evaluate/",
             "sign_off": "/o/acme/gates/criteria/{criterion_id}/sign-off/",
             "waive": "/o/acme/gates/criteria/{criterion_id}/waive/",
             "revoke": "/o/acme/gates/waivers/{waiver_id}/revoke/"}
    return paths[name].format(**ids)


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_the_gate_page_shows_the_checklist_and_the_evidence_history(org_a, gate, criterion, client_a):
    automated = AutomatedCriterionFactory(organization=org_a, gate=gate, title="Integration tests")
    WaiverFactory(organization=org_a, criterion=automated, reason="Flaky suite")
    EvaluationFactory(organization=org_a, gate=gate, criterion=criterion, summary="0 of 1 approvals seen",
                      values={"approved_by": []})
    body = client_a.get(url("detail", gate_id=gate.pk)).content.decode()
    assert "UAT exit" in body and "CAB approval" in body and "Integration tests" in body
    assert 'data-state="waived"' in body and "Flaky suite" in body and "waived is not met" in body
    assert "0 of 1 approvals seen" in body and 'data-testid="evaluations"' in body
    assert "release_version" in body and "CANARY-B" not in body


def test_the_gate_page_stays_within_its_queries(org_a, gate, client_a, owner_a, django_assert_max_num_queries):
    gate.owner = owner_a
    with tenant_context(org_a):
        gate.save()
    for _ in range(8):
        criterion = CriterionFactory(organization=org_a, gate=gate, required_sign_offs=3)
        SignOffFactory.create_batch(2, organization=org_a, criterion=criterion)
        WaiverFactory(organization=org_a, criterion=criterion)
        EvaluationFactory.create_batch(4, organization=org_a, gate=gate, criterion=criterion)
    # 18: the owner may edit the gate, and its form lists the members who may own it (one query);
    # +2: the page's live stamp (vsm/live.py) and the unread count in the top bar.
    with django_assert_max_num_queries(20):
        response = client_a.get(url("detail", gate_id=gate.pk))
    body = response.content.decode()
    assert response.status_code == 200 and body.count('data-testid="criterion"') == 8
    assert body.count('data-testid="evaluation"') == 25 and "Page 1 of 2" in body
    assert client_a.get(url("detail", gate_id=gate.pk) + "?page=2").content.decode().count(
        'data-testid="evaluation"') == 7


@pytest.mark.parametrize("role, approve, waive", [
    (Role.APPROVER, True, False), (Role.RELEASE_MANAGER, False, True), (Role.OWNER, True, True),
    (Role.VIEWER, False, False),
])
def test_each_person_sees_the_buttons_the_services_would_accept(gate, criterion, login, role, approve, waive):
    body = login(role).get(url("detail", gate_id=gate.pk)).content.decode()
    assert ('data-testid="approve"' in body) is approve
    assert ('data-testid="waive"' in body) is waive


def test_the_gate_owner_is_told_why_there_is_no_approve_button(org_a, gate, criterion, login):
    client = login(Role.APPROVER)
    gate.owner = client.user
    with tenant_context(org_a):
        gate.save()
    body = client.get(url("detail", gate_id=gate.pk)).content.decode()
    assert 'data-testid="approve"' not in body and "Segregation of duties" in body


def test_an_htmx_sign_off_answers_the_checklist_in_its_new_state(org_a, gate, criterion, login):
    response = login(Role.APPROVER, email="ann@acme.test").post(
        url("sign_off", criterion_id=criterion.pk), {"decision": "approve", "comment": "Looks right"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert f'id="gate-{gate.pk}-checklist"' in body and 'data-status="met"' in body
    assert "ann@acme.test" in body and "Looks right" in body and 'data-testid="approve"' not in body


@pytest.mark.parametrize("setup, status, message", [
    ("owner", 403, "Segregation of duties"),
    ("signed", 409, "already signed off"),
    ("automated", 400, "cannot be signed off"),
    ("bad decision", 400, "valid choice"),
])
def test_a_refused_sign_off_comes_back_on_its_criterion_with_the_status(
        org_a, gate, criterion, login, setup, status, message):
    client = login(Role.APPROVER)
    target, decision = criterion, "approve"
    with tenant_context(org_a):
        if setup == "owner":
            gate.owner = client.user
            gate.save()
        elif setup == "signed":
            criterion.required_sign_offs = 2
            criterion.save()
            services.gate_sign_off(actor=Actor(role=Role.APPROVER, user=client.user), criterion=criterion,
                                   decision="approve")
        elif setup == "automated":
            target = AutomatedCriterionFactory(organization=org_a, gate=gate)
    if setup == "bad decision":
        decision = "maybe"
    response = client.post(url("sign_off", criterion_id=target.pk), {"decision": decision}, **HTMX)
    body = response.content.decode()
    assert response.status_code == status and "<html" not in body
    row = body.split(f'data-criterion-id="{target.pk}"', 1)[1].split("</tr>", 1)[0]
    assert message in row and 'data-testid="problem"' in row


def test_a_waiver_is_granted_from_the_checklist_and_revoked(org_a, gate, criterion, login):
    client = login(Role.RELEASE_MANAGER)
    expiry = timezone.now() + timedelta(days=3)
    response = client.post(url("waive", criterion_id=criterion.pk),
                           {"reason": "CAB meets Monday", "expires_at": local(expiry)}, **HTMX)
    assert response.status_code == 200 and 'data-state="waived"' in response.content.decode()
    with tenant_context(org_a):
        waiver = Waiver.objects.get()
    assert abs(waiver.expires_at - expiry) < timedelta(minutes=1)
    revoked = client.post(url("revoke", waiver_id=waiver.pk), {}, **HTMX)
    assert revoked.status_code == 200 and 'data-state="pending"' in revoked.content.decode()


@pytest.mark.parametrize("data, field_id", [
    ({"reason": "", "expires_at": "2099-01-01T10:00"}, "reason"),
    ({"reason": "Later", "expires_at": "next week"}, "expires"),
    ({"reason": "Later", "expires_at": "2001-01-01T10:00"}, "expires"),
])
def test_a_bad_waiver_is_refused_with_400_and_the_form_kept_open(org_a, gate, criterion, login, data, field_id):
    response = login(Role.RELEASE_MANAGER).post(url("waive", criterion_id=criterion.pk), data, **HTMX)
    body = response.content.decode()
    assert response.status_code == 400 and "<details open>" in body
    assert re.search(rf'class="field has-error">\s*<label for="waive-{criterion.pk}-{field_id}"', body)
    assert body.count('class="error"') == 1
    with tenant_context(org_a):
        assert not Waiver.objects.exists()


def test_a_plain_form_post_returns_to_the_page_it_came_from(gate, criterion, login):
    client = login(Role.APPROVER)
    response = client.post(url("sign_off", criterion_id=criterion.pk),
                           {"decision": "approve", "next": "/o/acme/releases/7/"})
    assert response.status_code == 302 and response["Location"] == "/o/acme/releases/7/"


def test_an_unsafe_next_falls_back_to_the_gate_page(gate, criterion, login):
    response = login(Role.APPROVER).post(url("evaluate", gate_id=gate.pk), {"next": "https://evil.test/"})
    assert response.status_code == 302 and response["Location"] == url("detail", gate_id=gate.pk)


def test_a_plain_form_refusal_renders_the_gate_page_with_the_reason(org_a, gate, criterion, login):
    response = login(Role.ENGINEER).post(url("sign_off", criterion_id=criterion.pk), {"decision": "approve"})
    body = response.content.decode()
    assert response.status_code == 403 and "<html" in body
    assert "signed off by the Approver role; your role is Engineer" in body
    with tenant_context(org_a):
        assert not SignOff.objects.exists()


def test_evaluate_now_records_evidence(org_a, gate, criterion, login):
    response = login(Role.VIEWER).post(url("evaluate", gate_id=gate.pk), {}, **HTMX)
    assert response.status_code == 200
    with tenant_context(org_a):
        criterion.refresh_from_db()
        assert criterion.latest_evaluation.trigger == "evaluated" and criterion.state == Status.PENDING
