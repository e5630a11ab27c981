"""In a real Chromium: open the delivery performance dashboard, see the charts drawn by the
plotly.js our static files serve, change the window (htmx swaps the page in place and keeps the
URL), click a number into its drill-down and see the records with why each counted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.analytics.pages_support import History
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_window_change_and_drill_down(page, browser_login):
    acme = OrganizationFactory(name="Acme Payments", slug="acme")
    MembershipFactory(organization=acme, user=UserFactory(email="lea@acme.test"), role=Role.VIEWER)
    history = History(acme)
    for days_ago in (2, 5, 9, 16, 40, 70):
        history.deploy(days_ago)
    history.incident(history.deploy(12), number="INC0777")
    history.derive()

    browser_login("lea@acme.test")
    page.get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("heading", name="Delivery performance")).to_be_visible()
    expect(page.get_by_test_id("window")).to_contain_text("90 days")
    expect(page.get_by_test_id("tile-deployment_frequency")).to_contain_text("7 deployments")
    # plotly.js ran: the charts are SVG now.
    expect(page.locator("#analytics-main .plotly-graph-div .main-svg").first).to_be_attached()

    page.get_by_label("Window", exact=True).select_option("30")
    expect(page).to_have_url(re.compile(r"window=30"))
    expect(page.get_by_test_id("window")).to_contain_text("30 days")
    expect(page.get_by_test_id("tile-deployment_frequency")).to_contain_text("5 deployments")
    expect(page.locator("#analytics-main .plotly-graph-div .main-svg").first).to_be_attached()

    page.get_by_test_id("tile-change_failure_rate").get_by_test_id("tile-value").click()
    expect(page.get_by_role("heading", name="Change failure rate")).to_be_visible()
    rows = page.get_by_test_id("records").locator("tbody tr")
    expect(rows).to_have_count(5)
    expect(page.get_by_test_id("records")).to_contain_text("INC0777")
    expect(page.get_by_test_id("csv-link")).to_have_attribute("href", re.compile(r"format=csv"))
