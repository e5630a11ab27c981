"""Sign-in and sign-out: email and password, lockout after repeated failures, safe `next`."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
PASSWORD = "correct-horse-battery"


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": email, "password": password, **extra})


def test_login_page_is_a_form_with_the_fields_the_browser_fills(client):
    body = client.get(LOGIN).content.decode()
    assert 'name="username"' in body and 'name="password"' in body and 'type="submit"' in body
    assert "Sign in to Sluice" in body and "Forgot your password?" in body


@pytest.mark.parametrize("typed", ["ana@example.com", "ANA@Example.COM", "  Ana@example.com "])
def test_sign_in_accepts_the_email_in_any_case(client, ana, typed):
    response = sign_in(client, typed)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/accounts/profile/").context["user"] == ana


@pytest.mark.parametrize(("email", "password"), [
    ("ana@example.com", "wrong-password"),
    ("nobody@example.com", PASSWORD),
])
def test_wrong_credentials_show_an_error_on_the_form(client, ana, email, password):
    response = sign_in(client, email, password)
    assert response.status_code == 400
    assert "do not match an account" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_inactive_account_cannot_sign_in(client, ana):
    ana.is_active = False
    ana.save()
    assert sign_in(client, "ana@example.com").status_code == 400


def test_sign_in_is_locked_after_the_failure_limit_even_with_the_right_password(client, ana, settings):
    settings.AXES_FAILURE_LIMIT = 3
    # Different spellings of one address share one counter.
    for typed in ("ana@example.com", "ANA@example.com"):
        assert sign_in(client, typed, "guess").status_code == 400
    locked = sign_in(client, "Ana@Example.com", "guess")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Too many sign-in attempts" in body and "Try again in 15\xa0minutes" in body
    assert "ana@example.com" in body

    right_password = sign_in(client, "ana@example.com")
    assert right_password.status_code == 429 and "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get().username == "ana@example.com"


def test_lockout_is_per_person_so_others_can_still_sign_in(client, ana, settings):
    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(email="bo@example.com")
    for _ in range(2):
        sign_in(client, "ana@example.com", "guess")
    assert sign_in(client, "bo@example.com").status_code == 302


def test_a_successful_sign_in_resets_the_failure_count(client, ana, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        sign_in(client, "ana@example.com", "guess")
    assert sign_in(client, "ana@example.com").status_code == 302
    client.post("/accounts/logout/")
    for _ in range(2):
        assert sign_in(client, "ana@example.com", "guess").status_code == 400


@pytest.mark.parametrize(("next_url", "expected"), [
    ("/accounts/profile/", "/accounts/profile/"),
    ("https://evil.example/steal", "/"),
    ("//evil.example/steal", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("http://testserver.evil.example/", "/"),
])
def test_next_is_followed_only_within_sluice(client, ana, next_url, expected):
    response = sign_in(client, "ana@example.com", next=next_url)
    assert response.status_code == 302 and response["Location"] == expected


def test_the_login_page_keeps_only_a_safe_next(client):
    assert 'value="/accounts/profile/"' in client.get(LOGIN, {"next": "/accounts/profile/"}).content.decode()
    assert "evil.example" not in client.get(LOGIN, {"next": "https://evil.example/"}).content.decode()


def test_logout_needs_a_post(client, ana):
    client.force_login(ana)
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session

    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "You are signed out." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_user_menu_signs_out_with_a_post_form(client, ana):
    client.force_login(ana)
    body = client.get("/accounts/profile/").content.decode()
    assert '<form method="post" action="/accounts/logout/">' in body


@pytest.mark.parametrize("data", [
    {},
    {"username": "ana@example.com"},
    {"password": PASSWORD},
    {"username": "a" * 5000, "password": "x"},
    {"username": "not an email", "password": "x"},
    {"username": "ana@example.com\x00", "password": "x\x00"},
    {"username": ["ana@example.com", "b@example.com"], "password": "x"},
])
def test_bad_sign_in_input_is_a_400_never_a_500(client, ana, data):
    assert client.post(LOGIN, data).status_code == 400
