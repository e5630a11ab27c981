"""In a real Chromium, as an engineering leader: from the organization's home, the service with
the worst change failure rate and the failed deployments behind it, in at most 4 clicks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.analytics.pages_support import History
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_worst_change_failure_rate_and_its_failures_in_four_clicks(page, browser_login):
    acme = OrganizationFactory(name="Acme Payments", slug="acme")
    MembershipFactory(organization=acme, user=UserFactory(email="lea@acme.test"), role=Role.VIEWER)
    history = History(acme)
    fraud = history.add_service("fraud-scoring", stream=history.stream)
    for days_ago in (3, 8, 15, 22):
        history.deploy(days_ago)  # payments-api: four clean deployments
    for days_ago in (4, 9, 16, 25, 30):
        deployment = history.deploy(days_ago, service=fraud)
        if days_ago in (9, 25):
            history.incident(deployment, number=f"INC-{days_ago}")
    history.derive()
    browser_login("lea@acme.test")
    page.goto("/o/acme/")
    clicks = 0

    def click(locator):
        nonlocal clicks
        clicks += 1
        locator.click()

    click(page.get_by_test_id("compare-services"))
    first = page.get_by_test_id("breakdown").locator("tbody tr").first
    expect(first).to_contain_text("Fraud Scoring")
    expect(first.get_by_test_id("cell-change_failure_rate")).to_have_text("40.0 %")
    click(first.get_by_test_id("cell-change_failure_rate"))
    expect(page.get_by_role("heading", name="Change failure rate")).to_be_visible()
    rows = page.get_by_test_id("records").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("records")).to_contain_text("INC-9")
    expect(page.get_by_test_id("records")).to_contain_text("INC-25")
    expect(rows.first.locator(".badge.bad")).to_have_text("failed")
    assert clicks <= 4
