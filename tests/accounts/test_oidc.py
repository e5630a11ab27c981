"""Single sign-on through OpenID Connect, end to end against a provider played by a local HTTP
server: the login page's button, /oidc/authenticate/ (state and nonce into the session), the
provider's token and userinfo endpoints, /oidc/callback/ and the backend's decisions."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from axes.models import AccessAttempt

from tests.factories import UserFactory
from vsm.accounts.checks import oidc_settings
from vsm.accounts.models import User

pytestmark = pytest.mark.django_db
CLIENT_ID = "sluice-test"
SECRET = "test-client-secret-0123456789-abcdefghijklmnop"
CALLBACK = "http://testserver/oidc/callback/"


class FakeProvider:
    """Token and userinfo endpoints of an OpenID provider. `grants[code]` holds what the
    provider knows about a code: the nonce it was asked for and the person's claims."""

    def __init__(self):
        self.grants: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                form = {key: values[0] for key, values in parse_qs(body).items()}
                provider.token_requests.append(form)
                grant = provider.grants.get(form.get("code"))
                if (grant is None or form.get("client_id") != CLIENT_ID or form.get("client_secret") != SECRET
                        or form.get("grant_type") != "authorization_code" or form.get("redirect_uri") != CALLBACK):
                    return self.reply(400, {"error": "invalid_grant"})
                now = int(time.time())
                id_token = jwt.encode({
                    "iss": provider.url, "sub": grant["claims"].get("sub", "subject-1"), "aud": CLIENT_ID,
                    "iat": now, "exp": now + grant.get("lifetime", 300), "nonce": grant["nonce"],
                }, grant.get("signing_key", SECRET), algorithm="HS256")
                self.reply(200, {"access_token": f"at-{form['code']}", "token_type": "Bearer", "id_token": id_token})

            def do_GET(self):
                code = self.headers.get("Authorization", "").removeprefix("Bearer at-")
                grant = provider.grants.get(code)
                if grant is None:
                    return self.reply(401, {"error": "invalid_token"})
                self.reply(200, grant["claims"])

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    with FakeProvider() as running:
        yield running


@pytest.fixture
def sso(settings, provider):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = SECRET
    settings.OIDC_RP_SIGN_ALGO = "HS256"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider.url}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider.url}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider.url}/userinfo"
    settings.OIDC_PROVIDER_NAME = "Acme SSO"
    settings.OIDC_TIMEOUT = 5
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "vsm.accounts.oidc.SluiceOIDCBackend"]
    return provider


def start(client, next_url: str | None = None) -> dict[str, str]:
    """Press the SSO button; return the authorization request the browser is sent to."""
    response = client.get("/oidc/authenticate/", {"next": next_url} if next_url else {})
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


def sso_sign_in(client, provider, claims: dict, next_url: str | None = None, code: str = "code-1", **grant):
    request = start(client, next_url)
    provider.grants[code] = {"claims": claims, "nonce": request["nonce"], **grant}
    return client.get("/oidc/callback/", {"code": code, "state": request["state"]})


def signed_in_user(client):
    response = client.get("/accounts/profile/")
    return response.context["user"] if response.status_code == 200 else None


def test_login_page_offers_the_provider_when_enabled(client, sso):
    body = client.get("/accounts/login/", {"next": "/accounts/profile/"}).content.decode()
    assert "Sign in with Acme SSO" in body
    assert 'href="/oidc/authenticate/?next=/accounts/profile/"' in body
    assert 'name="username"' in body  # local sign-in stays


def test_without_configuration_there_is_no_button_and_no_sso_route(client):
    assert "Sign in with" not in client.get("/accounts/login/").content.decode()
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/", {"code": "c", "state": "s"}).status_code == 404


def test_the_authorization_request_names_client_callback_scopes_and_state(client, sso):
    request = start(client)
    assert request["client_id"] == CLIENT_ID and request["redirect_uri"] == CALLBACK
    assert request["scope"] == "openid email profile" and request["response_type"] == "code"
    assert request["state"] in client.session["oidc_states"]


def test_a_new_email_gets_an_account_named_by_the_provider(client, sso):
    response = sso_sign_in(client, sso, {"sub": "u-1", "email": "Rita@Example.com", "email_verified": True,
                                         "name": "Rita Release"})
    assert response.status_code == 302 and response["Location"] == "/"
    rita = User.objects.get(email="rita@example.com")
    assert rita.full_name == "Rita Release" and not rita.has_usable_password()
    assert signed_in_user(client) == rita


def test_a_known_email_in_any_case_signs_in_that_account_and_updates_its_name(client, sso):
    ana = UserFactory(email="ana@example.com", full_name="Ana Old-Name")
    sso_sign_in(client, sso, {"email": "ANA@example.COM", "given_name": "Ana", "family_name": "New-Name"})
    assert signed_in_user(client) == ana
    ana.refresh_from_db()
    assert ana.full_name == "Ana New-Name" and User.objects.count() == 1


def test_an_empty_name_claim_keeps_the_name_we_have(client, sso):
    ana = UserFactory(email="ana@example.com", full_name="Ana Approver")
    sso_sign_in(client, sso, {"email": "ana@example.com", "name": " "})
    ana.refresh_from_db()
    assert signed_in_user(client) == ana and ana.full_name == "Ana Approver"


@pytest.mark.parametrize("claims", [
    {"sub": "no-email", "name": "No Email"},
    {"email": "", "name": "Empty"},
    {"email": "not-an-address"},
    {"email": ["a@example.com"]},
    {"email": "ana@example.com", "email_verified": False},
    {"email": "ana@example.com", "email_verified": "false"},
])
def test_claims_without_a_usable_email_are_refused(client, sso, claims):
    ana = UserFactory(email="ana@example.com")
    response = sso_sign_in(client, sso, claims)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert signed_in_user(client) is None and list(User.objects.all()) == [ana]
    page = client.get("/accounts/login/").content.decode()
    assert "Signing in with Acme SSO did not work" in page


@pytest.mark.parametrize("grant", [
    {"signing_key": "someone-elses-secret-0123456789-abcdefghijkl"},  # forged id_token
    {"lifetime": -60},                                                 # expired id_token
    {"nonce": "a-replayed-nonce"},                                     # token for another request
])
def test_an_id_token_that_does_not_verify_is_refused(client, sso, grant):
    response = sso_sign_in(client, sso, {"email": "eve@example.com"}, **grant)
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert signed_in_user(client) is None and not User.objects.exists()


def test_a_code_the_provider_does_not_know_is_refused(client, sso):
    request = start(client)
    response = client.get("/oidc/callback/", {"code": "made-up", "state": request["state"]})
    assert response["Location"] == "/accounts/login/" and signed_in_user(client) is None
    assert [r["code"] for r in sso.token_requests] == ["made-up"]


def test_an_unreachable_provider_is_refused_not_an_error(client, sso, settings):
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # discard port: nothing listens
    response = sso_sign_in(client, sso, {"email": "ana@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_the_provider_saying_no_returns_to_the_login_page(client, sso):
    request = start(client)
    response = client.get("/oidc/callback/", {"error": "access_denied", "state": request["state"]})
    assert response["Location"] == "/accounts/login/"
    assert request["state"] not in client.session["oidc_states"]


def test_a_state_that_was_never_issued_is_a_400(client, sso):
    start(client)
    assert client.get("/oidc/callback/", {"code": "c", "state": "forged"}).status_code == 400


def test_a_callback_without_a_started_sign_in_returns_to_the_login_page(client, sso):
    response = client.get("/oidc/callback/", {"code": "c", "state": "s"})
    assert response["Location"] == "/accounts/login/" and sso.token_requests == []


@pytest.mark.parametrize(("next_url", "landing"), [
    ("/accounts/profile/", "/accounts/profile/"),
    ("https://evil.example/", "/"),
])
def test_sso_follows_next_only_within_sluice(client, sso, next_url, landing):
    response = sso_sign_in(client, sso, {"email": "ana@example.com"}, next_url=next_url)
    assert response["Location"] == landing


def test_local_sign_in_still_works_and_never_calls_the_provider(client, sso):
    UserFactory(email="ana@example.com")
    response = client.post("/accounts/login/?code=stolen&state=s",
                           {"username": "ana@example.com", "password": "wrong"})
    assert response.status_code == 400 and sso.token_requests == []
    response = client.post("/accounts/login/", {"username": "ana@example.com", "password": "correct-horse-battery"})
    assert response.status_code == 302


def test_a_deactivated_account_cannot_use_sso_and_loses_its_session(client, sso):
    ana = UserFactory(email="ana@example.com")
    sso_sign_in(client, sso, {"email": "ana@example.com"})
    assert signed_in_user(client) == ana
    User.objects.filter(pk=ana.pk).update(is_active=False)
    assert client.get("/accounts/profile/").status_code == 302  # the session no longer authenticates

    response = sso_sign_in(client, sso, {"email": "ana@example.com"}, code="code-2")
    assert response["Location"] == "/accounts/login/" and signed_in_user(client) is None


def test_failed_sso_callbacks_do_not_lock_out_a_shared_network_address(client, sso, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(3):
        refused = client.get("/oidc/callback/", {"code": "made-up", "state": start(client)["state"]})
        assert refused.status_code == 302 and refused["Location"] == "/accounts/login/"
    response = sso_sign_in(client, sso, {"email": "ana@example.com"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not AccessAttempt.objects.exists()


def test_local_sign_in_still_locks_out_with_sso_enabled(client, sso, settings):
    settings.AXES_FAILURE_LIMIT = 2
    UserFactory(email="ana@example.com")
    statuses = [client.post("/accounts/login/", {"username": "ana@example.com", "password": "guess"}).status_code
                for _ in range(2)]
    assert statuses == [400, 429]


def test_a_complete_configuration_passes_the_system_check(sso):
    assert oidc_settings() == []


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"OIDC_OP_TOKEN_ENDPOINT": ""}, ["accounts.E001"]),
    ({"OIDC_RP_CLIENT_SECRET": "", "OIDC_OP_USER_ENDPOINT": ""}, ["accounts.E001", "accounts.E001"]),
    ({"OIDC_RP_SIGN_ALGO": "RS256", "OIDC_OP_JWKS_ENDPOINT": ""}, ["accounts.E002"]),
])
def test_an_incomplete_configuration_fails_the_system_check(sso, settings, overrides, expected):
    for name, value in overrides.items():
        setattr(settings, name, value)
    assert [error.id for error in oidc_settings()] == expected
