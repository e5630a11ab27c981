"""In a real Chromium: a release manager creates a release from a template and starts it, an
approver signs off the manual criterion and sees the gate pass, the release manager advances the
phase; a freeze in force shows as a banner."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from releases import services
from releases.models import FreezeOverride, Release
from tests.environments.factories import EnvironmentFactory
from tests.factories import MembershipFactory, OrganizationFactory, ServiceFactory, UserFactory, ValueStreamFactory
from tests.releases.factories import FreezeWindowFactory
from vsm.audit.models import AuditEvent
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIMPLE = {"name": "Simple", "phases": [
    {"name": "SIT", "tier": "integration", "duration_days": 3, "entry_criteria": [],
     "exit_criteria": [{"title": "Test lead sign-off", "type": "manual", "signer_role": "approver"}]},
    {"name": "PROD", "tier": "production", "duration_days": 1,
     "entry_criteria": [{"title": "Previous gate met", "type": "automated", "rule": "criteria_of_gate_met",
                         "params": {"gate_id_from_context": "previous_gate_id"}}], "exit_criteria": []},
]}


def phase_status(page, name: str):
    return page.locator(f'[data-testid="phase-row"][data-phase="{name}"]').get_by_test_id("phase-status")


def test_create_from_template_sign_off_see_the_gate_pass_and_advance(page, browser_login):
    acme = OrganizationFactory(name="Acme Payments", slug="acme")
    OrganizationFactory(name="CANARY-B Globex", slug="globex")
    rita = UserFactory(email="rita@acme.test", full_name="Rita Release")
    ada = UserFactory(email="ada@acme.test", full_name="Ada Approver")
    MembershipFactory(organization=acme, user=rita, role=Role.RELEASE_MANAGER)
    MembershipFactory(organization=acme, user=ada, role=Role.APPROVER)
    stream = ValueStreamFactory(organization=acme, name="Payments", slug="payments")
    ServiceFactory(organization=acme, slug="payments-api", value_stream=stream)
    EnvironmentFactory(organization=acme, name="Payments SIT", slug="payments-sit", tier="integration",
                       value_stream=stream, requires_booking=False)
    EnvironmentFactory(organization=acme, name="Payments Production", slug="payments-prod", tier="production",
                       is_production=True, value_stream=stream)
    FreezeWindowFactory(organization=acme, name="Quarter-end freeze", scope="tier", tier="production",
                        reason="Finance closes the books")
    with tenant_context(acme):
        services.template_create(actor=Actor(role=Role.RELEASE_MANAGER, user=rita), **SIMPLE)
    start = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    # The release manager creates the release from the template.
    browser_login("rita@acme.test")
    page.goto("/o/acme/releases/")
    page.get_by_test_id("new-release").click()
    page.get_by_label("Template").select_option(label="Simple")
    page.get_by_label("Name").fill("Payments")
    page.get_by_label("Version").fill("2.5.0")
    page.get_by_label("Value stream").select_option(label="Payments")
    page.get_by_label("Planned start").fill(start)
    page.get_by_role("button", name="Create release").click()
    expect(page.get_by_test_id("release-title")).to_have_text("Payments 2.5.0")
    # The production phase is frozen: the banner says so, with the reason.
    expect(page.get_by_test_id("freeze-banner")).to_contain_text("Quarter-end freeze")
    expect(page.get_by_test_id("freeze-banner")).to_contain_text("Finance closes the books")

    page.get_by_test_id("advance").click()  # "Start SIT": its entry gate has no criteria
    expect(phase_status(page, "SIT")).to_have_text("Active")
    release_url = page.url

    # Finishing SIT is refused while the sign-off is missing.
    page.get_by_test_id("advance").click()
    expect(page.get_by_test_id("advance-error")).to_contain_text("Test lead sign-off")

    # The approver signs off; the checklist answers in place and the gate is met.
    page.context.clear_cookies()
    browser_login("ada@acme.test")
    page.goto(release_url)
    sit_exit = page.get_by_test_id("phase-gates").filter(has_text="SIT").get_by_test_id("gate-checklist").nth(1)
    expect(sit_exit.get_by_test_id("gate-status")).to_have_text("pending")
    criterion = sit_exit.get_by_test_id("criterion").filter(has_text="Test lead sign-off")
    criterion.get_by_placeholder("Comment (optional)").fill("Regression green")
    criterion.get_by_test_id("approve").click()
    sit_exit = page.get_by_test_id("phase-gates").filter(has_text="SIT").get_by_test_id("gate-checklist").nth(1)
    expect(sit_exit.get_by_test_id("gate-status")).to_have_text("met")
    expect(sit_exit.get_by_test_id("criterion-state")).to_have_text("met")

    # The release manager moves the release on to production, which is frozen: refused, naming
    # the freeze, until the glass is broken with a reason.
    page.context.clear_cookies()
    browser_login("rita@acme.test")
    page.goto(release_url)
    expect(page.get_by_test_id("advance-preview")).to_contain_text("Quarter-end freeze")
    page.get_by_test_id("advance").click()
    expect(page.get_by_test_id("advance-error")).to_contain_text("Quarter-end freeze")
    expect(phase_status(page, "PROD")).to_have_text("Pending")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Reason for breaking the glass").fill("Card payments outage fix, CAB-4411")
    page.get_by_role("button", name="Break the glass and start PROD").click()
    expect(page.get_by_text(re.compile(r"is now in PROD"))).to_be_visible()
    expect(phase_status(page, "PROD")).to_have_text("Active")
    expect(phase_status(page, "SIT")).to_have_text("Done")
    with tenant_context(acme):
        override = FreezeOverride.objects.select_related("freeze_window").get()
        assert (override.freeze_window.name, override.reason) == ("Quarter-end freeze",
                                                                  "Card payments outage fix, CAB-4411")
        assert AuditEvent.objects.filter(action="freezeoverride.granted", actor_label="rita@acme.test").exists()
    page.screenshot(path="/tmp/sluice-release-detail.png", full_page=True)


def test_a_release_manager_edits_a_release_and_sees_an_active_freeze_on_the_environment_page(page, browser_login):
    acme = OrganizationFactory(name="Acme Payments", slug="acme")
    rita = UserFactory(email="rita@acme.test", full_name="Rita Release")
    MembershipFactory(organization=acme, user=rita, role=Role.RELEASE_MANAGER)
    stream = ValueStreamFactory(organization=acme, name="Payments", slug="payments")
    ServiceFactory(organization=acme, slug="payments-api", name="Payments API", value_stream=stream)
    EnvironmentFactory(organization=acme, name="Payments Production", slug="payments-prod", tier="production",
                       is_production=True, value_stream=stream)
    FreezeWindowFactory(organization=acme, name="Quarter-end freeze", scope="tier", tier="production")
    with tenant_context(acme):
        release = services.release_create(actor=Actor(role=Role.RELEASE_MANAGER, user=rita), name="Payments",
                                          version="2.6.0", value_stream=stream)

    browser_login("rita@acme.test")
    page.goto(f"/o/acme/releases/{release.pk}/")
    page.get_by_test_id("edit-release").click()
    page.get_by_label("Name").fill("Payments autumn")
    page.get_by_label("Risk").select_option(label="High")
    page.get_by_label("Deployment strategy").select_option(label="Canary")
    page.get_by_label("Services").select_option(label="Payments API")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("release-title")).to_have_text("Payments autumn 2.6.0")
    expect(page.get_by_text("Canary")).to_be_visible()
    expect(page.get_by_text("payments-api@2.6.0")).to_be_visible()

    # A field error names the field and keeps the page.
    page.get_by_test_id("edit-release").click()
    page.get_by_label("Name").fill("")
    page.get_by_label("Version").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("release-edit-form")).to_be_visible()

    # Where deploys are planned, the freeze in force shows too.
    page.goto("/o/acme/environments/payments-prod/")
    expect(page.get_by_test_id("freeze-banner")).to_contain_text("Quarter-end freeze")


def test_a_template_planning_prod_into_a_freeze_warns_before_saving(page, browser_login):
    acme = OrganizationFactory(name="Acme Payments", slug="acme")
    rita = UserFactory(email="rita@acme.test", full_name="Rita Release")
    MembershipFactory(organization=acme, user=rita, role=Role.RELEASE_MANAGER)
    stream = ValueStreamFactory(organization=acme, name="Payments", slug="payments")
    EnvironmentFactory(organization=acme, name="Payments SIT", slug="payments-sit", tier="integration",
                       value_stream=stream, requires_booking=False)
    EnvironmentFactory(organization=acme, name="Payments Production", slug="payments-prod", tier="production",
                       is_production=True, value_stream=stream)
    start = timezone.now() + timedelta(days=10)
    # SIT runs three days from the start; PROD the fourth, inside the year-end freeze.
    FreezeWindowFactory(organization=acme, name="Year-end freeze", scope="tier", tier="production",
                        starts_at=start + timedelta(days=2), ends_at=start + timedelta(days=20))
    with tenant_context(acme):
        services.template_create(actor=Actor(role=Role.RELEASE_MANAGER, user=rita), **SIMPLE)

    browser_login("rita@acme.test")
    page.goto("/o/acme/releases/new/")
    page.get_by_label("Template").select_option(label="Simple")
    page.get_by_label("Value stream").select_option(label="Payments")
    page.get_by_label("Planned start").fill(start.strftime("%Y-%m-%dT%H:%M"))
    preview = page.get_by_test_id("plan-preview")
    prod = preview.locator('[data-testid="planned-phase"][data-phase="PROD"]')
    expect(prod.get_by_test_id("collision-freeze")).to_contain_text("Year-end freeze")
    expect(preview.locator('[data-phase="SIT"]').get_by_test_id("collision-freeze")).to_have_count(0)
    # Nothing was saved: the warning came before the button.
    expect(page.get_by_role("button", name="Create release")).to_be_visible()
    with tenant_context(acme):
        assert not Release.objects.exists()


def test_signing_off_on_the_release_page_keeps_the_item_where_it_was(page, browser_login):
    """The checklist answers in place: the signed item stays where the approver's eyes are (the
    page neither scrolls nor shifts the item by more than a few pixels)."""
    acme = OrganizationFactory(name="Acme Payments", slug="acme")
    rita = UserFactory(email="rita@acme.test", full_name="Rita Release")
    ada = UserFactory(email="ada@acme.test", full_name="Ada Approver")
    MembershipFactory(organization=acme, user=rita, role=Role.RELEASE_MANAGER)
    MembershipFactory(organization=acme, user=ada, role=Role.APPROVER)
    stream = ValueStreamFactory(organization=acme, name="Payments", slug="payments")
    EnvironmentFactory(organization=acme, name="Payments SIT", slug="payments-sit", tier="integration",
                       value_stream=stream, requires_booking=False)
    rm = Actor(role=Role.RELEASE_MANAGER, user=rita)
    with tenant_context(acme):
        template = services.template_create(actor=rm, **SIMPLE)
        release = services.release_create_from_template(
            actor=rm, template=template, name="Payments", version="2.5.0", value_stream=stream,
            planned_start=timezone.now() + timedelta(days=1))
        services.release_advance_phase(actor=rm, release=release)
        sign_off = release.phases.get(name="SIT").exit_gate.criteria.get(title="Test lead sign-off")

    browser_login("ada@acme.test")
    page.set_viewport_size({"width": 1440, "height": 700})
    page.goto(f"/o/acme/releases/{release.pk}/")
    item = page.locator(f'[data-criterion-id="{sign_off.pk}"]')
    item.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, -200)")  # the item in the middle of the window, not at its edge
    before = page.evaluate("window.scrollY"), item.bounding_box()["y"]
    item.get_by_test_id("approve").click()
    expect(item.get_by_test_id("criterion-state")).to_have_text("met")
    expect(page.get_by_test_id("notice")).to_be_visible()  # the answer is shown...
    after = page.evaluate("window.scrollY"), item.bounding_box()["y"]
    assert after[0] == before[0], f"the page scrolled from {before[0]} to {after[0]}"
    assert abs(after[1] - before[1]) <= 3, f"the signed item moved from y={before[1]} to y={after[1]}"
