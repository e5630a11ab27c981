"""Booking without friction in a real Chromium, counting what the person does: book tomorrow
10:00-12:00 from the organization's home by dragging on the calendar, then extend it by an hour,
in at most ten interactions; a conflict's links keep what was typed; a refused change shows on
the booking's row."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from environments.models import Booking
from tests.environments.factories import BookingFactory, EnvironmentFactory
from tests.environments.support import BERLIN, local
from tests.factories import MembershipFactory, OrganizationFactory, TeamFactory, TeamMemberFactory, UserFactory
from tests.interactions import count_interactions
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUDGET = 10


@pytest.fixture
def interactions(monkeypatch):
    return count_interactions(monkeypatch)


@pytest.fixture
def acme():
    acme = OrganizationFactory(name="Acme Payments", slug="acme", time_zone="Europe/Berlin")
    OrganizationFactory(name="CANARY-B Globex", slug="globex")
    dev = UserFactory(email="dev@acme.test", full_name="Dev Engineer")
    MembershipFactory(organization=acme, user=dev, role=Role.ENGINEER)
    checkout = TeamFactory(organization=acme, name="Checkout", slug="checkout")
    acme.payments = TeamFactory(organization=acme, name="Payments", slug="payments")  # not dev's: never offered
    TeamMemberFactory(organization=acme, team=checkout, user=dev)
    acme.sit = EnvironmentFactory(organization=acme, name="SIT 1", slug="sit-1", tier="integration")
    EnvironmentFactory(organization=acme, name="SIT 2", slug="sit-2", tier="integration")
    return acme


def drag(page, track, start_fraction: float, end_fraction: float) -> None:
    box = track.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start_fraction, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * (start_fraction + end_fraction) / 2, y, steps=4)
    page.mouse.move(box["x"] + box["width"] * end_fraction, y, steps=4)
    page.mouse.up()


def test_book_tomorrow_morning_from_home_and_extend_it_in_ten_interactions(page, browser_login, acme, interactions):
    browser_login("dev@acme.test")
    page.goto("/o/acme/")
    interactions.start()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Environments").click()
    page.get_by_role("navigation", name="Environments").get_by_role("link", name="Calendar").click()
    page.get_by_role("link", name="Day", exact=True).click()
    page.get_by_role("link", name="Later").click()
    track = page.locator('[data-testid="timeline-row"][data-environment="sit-1"] .tl-track')
    drag(page, track, 10 / 24, 12 / 24)  # tomorrow, 10:00 to 12:00 on the day's 24 hours

    expect(page).to_have_url(re.compile(r"/environments/book/\?"))
    expect(page.get_by_label("Environment", exact=True)).to_have_value("sit-1")
    expect(page.locator("#id_start")).to_have_value(re.compile(r"T10:00$"))
    expect(page.locator("#id_end")).to_have_value(re.compile(r"T12:00$"))
    expect(page.get_by_label("Team")).to_have_value("checkout")  # the only team, already chosen
    expect(page.get_by_label("Team").locator("option")).to_have_text(["---------", "Checkout"])
    page.get_by_label("Purpose").fill("Checkout regression")
    expect(page.get_by_test_id("booking-check").get_by_test_id("free")).to_be_visible()
    page.get_by_role("button", name="Book", exact=True).click()

    expect(page).to_have_url(re.compile(r"/environments/bookings/mine/"))
    page.get_by_test_id("my-bookings").locator("tr", has_text="SIT 1").get_by_test_id("extend-hour").click()
    expect(page.get_by_text("was extended")).to_be_visible()

    assert interactions.count <= BUDGET, interactions.log
    print(f"booked and extended in {interactions.count} interactions: {interactions.log}")
    with tenant_context(acme):
        booking = Booking.objects.select_related("team").get()
    tomorrow = timezone.now().astimezone(BERLIN).date() + timedelta(days=1)
    start, end = booking.start.astimezone(BERLIN), booking.end.astimezone(BERLIN)
    assert (start.date(), start.hour, start.minute) == (tomorrow, 10, 0)
    assert (end.hour, end.minute) == (13, 0)
    assert booking.team.slug == "checkout" and booking.purpose == "Checkout regression"
    page.screenshot(path="/tmp/sluice-booking-friction.png", full_page=True)


def test_use_this_slot_keeps_what_was_typed_and_a_refusal_shows_on_its_row(page, browser_login, acme):
    day = (timezone.now() + timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
    BookingFactory(organization=acme, environment=acme.sit, start=day + timedelta(hours=2), hours=2,
                   team=acme.payments, purpose="Payments soak")

    browser_login("dev@acme.test")
    page.goto("/o/acme/environments/book/?environment=sit-1")
    page.locator("#id_start").fill(local(day + timedelta(hours=3)))
    page.locator("#id_end").fill(local(day + timedelta(hours=5)))
    page.get_by_label("Purpose").fill("Checkout regression")
    page.get_by_label("Kind").select_option("regression")
    conflict = page.get_by_test_id("booking-check").get_by_test_id("conflict")
    expect(conflict).to_be_visible()
    conflict.get_by_test_id("use-slot").click()
    expect(page.get_by_label("Purpose")).to_have_value("Checkout regression")
    expect(page.get_by_label("Kind")).to_have_value("regression")
    expect(page.get_by_label("Team")).to_have_value("checkout")
    expect(page.locator("#id_start")).to_have_value(local(day + timedelta(hours=4)))
    # Filled in place, not loaded anew: what was typed after the check was drawn cannot be lost.
    assert page.url.endswith("/o/acme/environments/book/?environment=sit-1")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page).to_have_url(re.compile(r"/environments/bookings/mine/"))

    # Extending into the other team's booking is refused on the booking's own row.
    BookingFactory(organization=acme, environment=acme.sit, start=day + timedelta(hours=6), hours=2,
                   team=acme.payments, purpose="Payments smoke")
    row = page.locator("tr[data-booking]", has_text="Checkout regression")
    row.get_by_label(re.compile("New end")).fill(local(day + timedelta(hours=7)))
    row.get_by_test_id("change-end").click()
    row = page.locator("tr[data-booking]", has_text="Checkout regression")
    expect(row.get_by_test_id("action-error")).to_contain_text("Payments")
    expect(page).to_have_url(re.compile(r"#booking-\d+$"))
    assert page.get_by_test_id("action-error").count() == 1
