"""Changing a password, and the whole reset flow through the email's link."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.factories import UserFactory
from vsm.accounts.models import User

pytestmark = pytest.mark.django_db
OLD = "correct-horse-battery"
NEW = "a-new-and-long-passphrase"


def can_sign_in(client, email, password) -> bool:
    client.logout()
    return client.post("/accounts/login/", {"username": email, "password": password}).status_code == 302


def test_password_change_needs_a_signed_in_person(client):
    response = client.get("/accounts/password/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_password_change_keeps_this_session_and_takes_effect(client, ana):
    client.force_login(ana)
    response = client.post("/accounts/password/", {
        "old_password": OLD, "new_password1": NEW, "new_password2": NEW}, follow=True)
    assert response.redirect_chain == [("/accounts/password/done/", 302)]
    assert "Password changed" in response.content.decode()
    assert response.context["user"] == ana  # still signed in here
    assert can_sign_in(client, "ana@example.com", NEW) and not can_sign_in(client, "ana@example.com", OLD)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"old_password": "wrong", "new_password1": NEW, "new_password2": NEW}, "old_password", "incorrectly"),
    ({"old_password": OLD, "new_password1": NEW, "new_password2": NEW + "x"}, "new_password2", "didn’t match"),
    ({"old_password": OLD, "new_password1": "short", "new_password2": "short"}, "new_password2", "too short"),
    ({"old_password": OLD, "new_password1": "12345678901", "new_password2": "12345678901"}, "new_password2",
     "entirely numeric"),
    ({}, "old_password", "required"),
])
def test_a_refused_password_change_names_the_field(client, ana, data, field, message):
    client.force_login(ana)
    response = client.post("/accounts/password/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert message in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    ana.refresh_from_db()
    assert ana.check_password(OLD)


def _link_in(message) -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_the_full_password_reset_flow(client, ana, settings):
    settings.SITE_URL = "https://sluice.example.com/"
    response = client.post("/accounts/password/reset/", {"email": "ANA@example.com"}, follow=True)
    assert response.redirect_chain == [("/accounts/password/reset/sent/", 302)]
    assert "Check your email" in response.content.decode()

    [message] = mail.outbox
    assert message.to == ["ana@example.com"]
    assert message.subject == "Reset your Sluice password"
    assert "your Sluice account (ana@example.com)" in message.body
    assert "https://sluice.example.com/accounts/password/reset/" in message.body
    link = _link_in(message)

    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    mismatch = client.post(set_url, {"new_password1": NEW, "new_password2": "other"})
    assert mismatch.status_code == 400 and "new_password2" in mismatch.context["form"].errors

    done = client.post(set_url, {"new_password1": NEW, "new_password2": NEW}, follow=True)
    assert done.redirect_chain == [("/accounts/password/reset/complete/", 302)]
    assert "Your password is set" in done.content.decode()
    assert can_sign_in(client, "ana@example.com", NEW)

    # The link works once.
    reused = client.get(link, follow=True)
    assert "This link no longer works" in reused.content.decode()


def test_the_reset_link_uses_the_request_host_without_a_site_url(client, ana, settings):
    settings.SITE_URL = ""
    client.post("/accounts/password/reset/", {"email": "ana@example.com"})
    assert "http://testserver/accounts/password/reset/" in mail.outbox[0].body


def test_an_invited_member_without_a_password_sets_one_through_the_reset_link(client):
    invited = User.objects.create_user(email="new@example.com", password=None)
    assert not invited.has_usable_password()
    client.post("/accounts/password/reset/", {"email": "new@example.com"})
    form_page = client.get(_link_in(mail.outbox[0]), follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert can_sign_in(client, "new@example.com", NEW)


@pytest.mark.parametrize("email", ["nobody@example.com", "inactive@example.com"])
def test_reset_does_not_tell_whether_an_account_exists(client, email):
    UserFactory(email="inactive@example.com", is_active=False)
    response = client.post("/accounts/password/reset/", {"email": email})
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


@pytest.mark.parametrize("path", [
    "/accounts/password/reset/MQ/not-a-token/",
    "/accounts/password/reset/!!!/x-y/",
    "/accounts/password/reset/" + "A" * 500 + "/set-password/",
])
def test_a_forged_reset_link_is_refused_politely(client, ana, path):
    response = client.get(path)
    assert response.status_code == 200 and "This link no longer works" in response.content.decode()


@pytest.mark.parametrize("data", [{}, {"email": "not-an-email"}, {"email": "x" * 300 + "@example.com"}])
def test_bad_reset_requests_are_400(client, data):
    response = client.post("/accounts/password/reset/", data)
    assert response.status_code == 400 and response.context["form"].errors["email"]
    assert mail.outbox == []
