"""The notifications page in a real browser: htmx marks read in place; a chat webhook is added
and its URL is not on the page afterwards."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import MembershipFactory, NotificationFactory, OrganizationFactory, UserFactory
from tests.notifications.conftest import SECRET_PATH
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_mark_read_in_place_and_add_a_chat_webhook(page, browser_login, chat_server):
    user = UserFactory(email="olivia@example.com", full_name="Olivia Owner")
    acme = OrganizationFactory(name="Acme Payments", slug="acme")
    globex = OrganizationFactory(name="CANARY-B Globex", slug="globex")
    MembershipFactory(organization=acme, user=user, role=Role.OWNER)
    MembershipFactory(organization=globex, user=user, role=Role.OWNER)
    NotificationFactory(organization=acme, recipient=user, title="Approve staging-2", url="/o/acme/")
    NotificationFactory(organization=acme, recipient=user, title="Gate 'QA exit' failed")
    NotificationFactory(organization=globex, recipient=user, title="CANARY-B news")

    browser_login("olivia@example.com")
    page.goto("/o/acme/")
    # The top bar counts the unread ones on every page and leads to them.
    expect(page.get_by_test_id("unread")).to_have_attribute("aria-label", "Notifications, 2 unread")
    page.get_by_test_id("unread").click()
    expect(page).to_have_url(re.compile(r"/o/acme/notifications/$"))
    expect(page.get_by_test_id("unread-count")).to_have_text("2 unread")
    expect(page.get_by_text("CANARY-B news")).to_have_count(0)

    url_before = page.url
    page.locator("tr", has_text="Approve staging-2").get_by_role("button", name="Mark read").click()
    expect(page.get_by_test_id("unread-count")).to_have_text("1 unread")
    expect(page.locator("tr", has_text="Approve staging-2").get_by_role("button")).to_have_count(0)
    assert page.url == url_before  # swapped in place, no navigation
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_test_id("unread-count")).to_have_text("Nothing unread")

    page.goto("/o/acme/notifications/webhooks/")
    page.get_by_label("Name").fill("#releases")
    page.get_by_label("Kind of chat").select_option("slack")
    page.get_by_label("Incoming webhook URL").fill(chat_server.url())
    page.get_by_label("Gate failed").check()
    page.get_by_role("button", name="Add webhook").click()
    expect(page.get_by_text("Chat webhook '#releases' added")).to_be_visible()
    page.get_by_role("button", name="Send test").click()
    expect(page.get_by_text("Test message delivered to '#releases'.")).to_be_visible()
    assert len(chat_server.received) == 1
    assert SECRET_PATH not in page.content()
