"""In a real Chromium: the flow page draws its charts, a window change swaps the numbers in
place, and a number opens its drill-down with why each item counted."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.integrations.factories import WorkItemFactory, WorkItemTransitionFactory
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def done_item(org, days_ago: int):
    done = timezone.now() - timedelta(days=days_ago)
    work_item = WorkItemFactory(organization=org, status_raw="Done", status_category="done", resolved_at=done,
                                created_at=done - timedelta(days=5))
    for hours_before, status, category, waiting in [(72, "In Progress", "in_progress", False),
                                                    (48, "Blocked", "in_progress", True), (0, "Done", "done", False)]:
        WorkItemTransitionFactory(organization=org, work_item=work_item, at=done - timedelta(hours=hours_before),
                                  to_status=status, to_category=category, to_waiting=waiting)
    return work_item


def test_flow_window_change_and_drill_down(page, browser_login):
    acme = OrganizationFactory(name="Acme Payments", slug="acme")
    MembershipFactory(organization=acme, user=UserFactory(email="lea@acme.test"), role=Role.VIEWER)
    for days_ago in (3, 10, 20, 45, 80):
        done_item(acme, days_ago)

    browser_login("lea@acme.test")
    page.goto("/o/acme/analytics/flow/")
    velocity = page.get_by_test_id("tile-velocity").get_by_test_id("tile-value")
    expect(velocity).to_have_text("5")
    expect(page.get_by_test_id("bottleneck")).to_contain_text("Blocked")
    expect(page.locator("#analytics-main .plotly-graph-div .main-svg").first).to_be_attached()

    page.locator("#f-window").select_option("30")
    expect(page).to_have_url(re.compile(r"window=30"))
    expect(velocity).to_have_text("3")

    velocity.click()
    expect(page.get_by_role("heading", name="Flow velocity")).to_be_visible()
    expect(page.get_by_test_id("row-count")).to_have_text("3 records")
    expect(page.get_by_test_id("records")).to_contain_text("inside the window")
