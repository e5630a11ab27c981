"""Self-service booking in a real Chromium: book a free slot, be warned about a taken one before
submitting, have a manager approve it in the queue, find it on the calendar."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.environments.factories import BookingFactory, EnvironmentFactory
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory, TeamMemberFactory, UserFactory
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def local(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")  # the organization's zone is UTC


def test_book_see_a_conflict_get_approved_and_find_it_on_the_calendar(page, browser_login):
    acme = OrganizationFactory(name="Acme Payments", slug="acme")
    OrganizationFactory(name="CANARY-B Globex", slug="globex")
    dev = UserFactory(email="dev@acme.test", full_name="Dev Engineer")
    boss = UserFactory(email="mona@acme.test", full_name="Mona Manager")
    MembershipFactory(organization=acme, user=dev, role=Role.ENGINEER)
    MembershipFactory(organization=acme, user=boss, role=Role.ENGINEER)
    checkout = TeamFactory(organization=acme, name="Checkout", slug="checkout")
    test_centre = TeamFactory(organization=acme, name="Test Centre", slug="test-centre")
    TeamMemberFactory(organization=acme, team=checkout, user=dev)
    TeamMemberFactory(organization=acme, team=test_centre, user=boss, is_manager=True)
    uat = EnvironmentFactory(organization=acme, name="UAT 1", slug="uat-1", tier="uat", requires_approval=True,
                             owning_team=test_centre)
    day = (timezone.now() + timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    BookingFactory(organization=acme, environment=uat, team=test_centre, requested_by=boss,
                   start=day + timedelta(hours=9), hours=2, purpose="Release rehearsal")

    browser_login("dev@acme.test")
    page.goto("/o/acme/environments/book/?environment=uat-1")
    check = page.get_by_test_id("booking-check")

    # A free slot: the check says so while typing, and the booking is made (waiting for approval).
    page.locator("#id_start").fill(local(day + timedelta(hours=13)))
    page.locator("#id_end").fill(local(day + timedelta(hours=15)))
    page.get_by_label("Purpose").fill("Checkout regression")
    expect(check.get_by_test_id("free")).to_be_visible()
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page).to_have_url(re.compile(r"/environments/bookings/mine/$"))
    row = page.get_by_test_id("my-bookings").locator("tr", has_text="UAT 1")
    expect(row).to_contain_text("Awaiting approval")

    # A taken slot: the warning names who holds it and offers the next free slot, before submitting.
    page.goto("/o/acme/environments/book/?environment=uat-1")
    page.locator("#id_start").fill(local(day + timedelta(hours=10)))
    page.locator("#id_end").fill(local(day + timedelta(hours=12)))
    warning = check.get_by_test_id("conflict")
    expect(warning).to_contain_text("Test Centre")
    expect(warning.get_by_test_id("next-free-slot")).to_contain_text(
        (day + timedelta(hours=11)).strftime("%d %b %H:%M"))

    # The owning team's manager approves it in the queue.
    page.context.clear_cookies()
    browser_login("mona@acme.test")
    page.goto("/o/acme/environments/approvals/")
    queued = page.get_by_test_id("booking-queue").locator("tr", has_text="Checkout regression")
    queued.get_by_placeholder("Note (optional)").fill("Go ahead")
    queued.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("was approved")).to_be_visible()
    expect(page.get_by_test_id("booking-queue")).to_have_count(0)

    # It is on the calendar, as approved.
    page.goto(f"/o/acme/environments/calendar/?view=week&date={day:%Y-%m-%d}")
    item = page.get_by_test_id("timeline-row").filter(has_text="UAT 1").get_by_test_id("calendar-booking").filter(
        has_text="Checkout regression")
    expect(item).to_have_class(re.compile(r"\bapproved\b"))
    page.screenshot(path="/tmp/sluice-environments-calendar.png", full_page=True)
