"""In a real Chromium: the value stream map draws its stages and chart, choosing another value
stream swaps the map in place, and a stage's number opens the items behind it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.analytics.test_vsm_pages import _more_items
from tests.analytics.vsm_support import Delivery, golden_history
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_map_value_stream_change_and_drill_down(page, browser_login):
    acme = OrganizationFactory(name="Acme Payments", slug="acme")
    MembershipFactory(organization=acme, user=UserFactory(email="lea@acme.test"), role=Role.VIEWER)
    golden_history(acme)
    _more_items(acme, Delivery(acme, stream_slug="billing"), 1)

    browser_login("lea@acme.test")
    page.goto("/o/acme/analytics/value-stream-map/?from=2024-03-04&to=2024-03-12")
    expect(page.get_by_test_id("vsm-stage")).to_have_count(5)
    expect(page.get_by_test_id("items-count")).to_have_text("3")
    expect(page.locator("#analytics-main .plotly-graph-div .main-svg").first).to_be_attached()

    page.locator("#f-value-stream").select_option("billing")
    expect(page).to_have_url(re.compile(r"value_stream=billing"))
    expect(page.get_by_test_id("items-count")).to_have_text("1")
    # Billing's item names release 2.0, which belongs to the payments stream: no gate for it.
    expect(page.get_by_test_id("vsm-missing")).to_contain_text("release gate passed")

    page.locator("#f-value-stream").select_option("payments")
    expect(page.get_by_test_id("tile-lead-time").get_by_test_id("tile-value")).to_have_text("92.0 h")
    page.get_by_test_id("stage-median").nth(1).click()
    expect(page.get_by_role("heading", name=re.compile("Pull request open"))).to_be_visible()
    expect(page.get_by_test_id("row-count")).to_have_text("2 items")
    expect(page.get_by_test_id("records")).to_contain_text("of which 24.0 h waiting")
