"""Signing in, a refused password and the profile, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_wrong_password_is_explained_then_sign_in_and_set_a_time_zone(page, browser_login):
    UserFactory(email="rita@example.com", full_name="Rita Release")

    browser_login("Rita@Example.com", "not-her-password")
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    expect(page.locator("input[name=username]")).to_have_value("Rita@Example.com")  # kept as typed

    browser_login("Rita@Example.com")
    expect(page.get_by_role("heading", name="Your organizations")).to_be_visible()

    page.locator("details.usermenu summary").click()
    page.get_by_role("link", name="Profile").click()
    expect(page).to_have_url(re.compile(r"/accounts/profile/$"))
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved.")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")

    page.locator("details.usermenu summary").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Sluice")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
