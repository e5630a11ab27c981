"""The checklist in a real Chromium: htmx swaps it in place after a sign-off, and a refused
waiver comes back in place with its error (htmx does not swap 4xx answers unless told to)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.gates.factories import CriterionFactory, GateFactory
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def acme():
    acme = OrganizationFactory(name="Acme Payments", slug="acme")
    globex = OrganizationFactory(name="CANARY-B Globex", slug="globex")
    GateFactory(organization=globex, name="CANARY-B gate")
    return acme


def member(org, email: str, role: str):
    user = UserFactory(email=email, full_name=email.split("@")[0].title())
    MembershipFactory(organization=org, user=user, role=role)
    return user


def test_an_approver_signs_off_and_sees_the_gate_pass_in_place(acme, page, browser_login):
    member(acme, "ann@acme.test", Role.APPROVER)
    owner = member(acme, "rm@acme.test", Role.RELEASE_MANAGER)
    gate = GateFactory(organization=acme, name="UAT exit", owner=owner)
    criterion = CriterionFactory(organization=acme, gate=gate, title="CAB approval", signer_role=Role.APPROVER)

    browser_login("ann@acme.test")
    page.goto(f"/o/acme/gates/{gate.pk}/")
    checklist = page.get_by_test_id("gate-checklist")
    expect(checklist.get_by_test_id("gate-status")).to_have_text("pending")
    row = checklist.locator(f'[data-criterion-id="{criterion.pk}"]')
    row.get_by_label("Comment on CAB approval").fill("Rollback rehearsed")
    page.evaluate("window.notReloaded = true")
    row.get_by_test_id("approve").click()

    checklist = page.get_by_test_id("gate-checklist")
    expect(checklist.get_by_test_id("gate-status")).to_have_text("met")
    expect(checklist.get_by_test_id("criterion-state")).to_have_text("met")
    expect(checklist.get_by_test_id("sign-off")).to_contain_text("ann@acme.test")
    expect(checklist.get_by_test_id("sign-off")).to_contain_text("Rollback rehearsed")
    assert page.evaluate("window.notReloaded") is True  # swapped by htmx, not a page load
    page.reload()
    expect(page.get_by_test_id("evaluations")).to_contain_text("Approved by ann@acme.test")


def test_a_refused_waiver_shows_its_error_in_place_then_a_valid_one_waives(acme, page, browser_login):
    member(acme, "rm@acme.test", Role.RELEASE_MANAGER)
    gate = GateFactory(organization=acme, name="Go-live")
    CriterionFactory(organization=acme, gate=gate, title="Pen test report")

    browser_login("rm@acme.test")
    page.goto(f"/o/acme/gates/{gate.pk}/")
    page.get_by_test_id("waive-open").click()
    page.get_by_label("Reason").fill("Pen test booked for next sprint")
    page.get_by_label("Expires").fill((timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("waive").click()

    expect(page.get_by_test_id("problem")).to_contain_text("The expiry must be in the future.")
    expect(page.get_by_label("Reason")).to_have_value("Pen test booked for next sprint")
    page.get_by_label("Expires").fill((timezone.now() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("waive").click()

    expect(page.get_by_test_id("criterion-state")).to_have_text("waived")
    expect(page.get_by_test_id("gate-status")).to_have_text("pending")
    expect(page.get_by_test_id("waiver")).to_contain_text("Pen test booked for next sprint")
    expect(page.get_by_test_id("problem")).to_have_count(0)
