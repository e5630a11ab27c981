"""Inviting, revoking (after a confirmation) and joining through the emailed link, in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.tenancy.conftest import link_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invite_revoke_after_asking_and_join_with_a_new_account(page, browser_login, org_a, owner_a, mailoutbox):
    browser_login("owner@acme.test")
    page.goto(f"/o/{org_a.slug}/settings/members/")
    for email, role in (("nia@new.test", "Viewer"), ("ana@acme.test", "Approver")):
        page.locator("#id_email").fill(email)
        page.locator("#id_role").select_option(label=role)
        page.get_by_role("button", name="Send invitation").click()
        expect(page.get_by_role("status")).to_contain_text(f"{email} is invited as {role.lower()}")
    invitations = page.get_by_test_id("invitations")
    expect(invitations.locator("tbody tr")).to_have_count(2)

    ana_row = invitations.locator("tr", has_text="ana@acme.test")
    page.once("dialog", lambda dialog: dialog.dismiss())
    ana_row.get_by_role("button", name="Revoke").click()
    expect(invitations.locator("tbody tr")).to_have_count(2)  # dismissed: nothing happened
    page.once("dialog", lambda dialog: dialog.accept())
    ana_row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("The invitation of ana@acme.test was revoked")
    expect(invitations.locator("tbody tr")).to_have_count(1)

    page.locator("details.usermenu summary").click()
    page.get_by_role("button", name="Sign out").click()
    page.goto(link_in(mailoutbox[0]))
    expect(page.get_by_role("heading", name="Join Acme Payments")).to_be_visible()
    page.locator("#id_full_name").fill("Nia New")
    page.locator("#id_password1").fill("a-long-river-stone")
    page.locator("#id_password2").fill("a-long-river-stone")
    page.get_by_role("button", name="Create account and join").click()
    expect(page).to_have_url(re.compile(rf"/o/{org_a.slug}/$"))
    expect(page.get_by_role("status")).to_contain_text("Welcome to Acme Payments: you are a viewer.")

    page.goto(link_in(mailoutbox[1]))
    expect(page.get_by_role("heading", name="This invitation was revoked")).to_be_visible()
