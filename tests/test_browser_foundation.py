"""The foundation in a real browser: sign in, switch organization, create a service, find it in
the audit log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_switch_org_create_a_service_and_see_it_audited(page, browser_login):
    user = UserFactory(email="rita@example.com", full_name="Rita Release")
    first = OrganizationFactory(name="Acme Payments", slug="acme")
    second = OrganizationFactory(name="Globex Retail", slug="globex")
    MembershipFactory(organization=first, user=user, role=Role.OWNER)
    MembershipFactory(organization=second, user=user, role=Role.ADMIN)

    browser_login("rita@example.com")
    expect(page.get_by_role("heading", name="Your organizations")).to_be_visible()
    page.get_by_role("link", name="Acme Payments").first.click()
    expect(page).to_have_url(re.compile(r"/o/acme/$"))

    # Switch organization from the top bar.
    page.get_by_test_id("org-switcher").locator("summary").click()
    page.get_by_test_id("org-switcher").get_by_role("link", name="Globex Retail").click()
    expect(page).to_have_url(re.compile(r"/o/globex/$"))
    expect(page.get_by_role("heading", name="Globex Retail")).to_be_visible()

    # Create a service in Globex.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalog").click()
    page.get_by_role("link", name="Add a service").click()
    page.get_by_label("Name").fill("Storefront API")
    page.get_by_label("Repository URL").fill("https://git.example.com/globex/storefront-api")
    page.get_by_role("button", name=re.compile(r"(Create|Save|Add)")).click()
    expect(page.get_by_text("Storefront API").first).to_be_visible()

    # The audit log shows who created it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    row = page.locator("table tr", has_text="service created")
    expect(row.first).to_contain_text("Storefront API")
    expect(row.first).to_contain_text("rita@example.com")

    page.screenshot(path="/tmp/sluice-audit.png", full_page=True)
