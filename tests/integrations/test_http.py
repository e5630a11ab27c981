"""The pull HTTP layer against a local server: retries, backoff, timeouts, and credentials that
never reach a log record or an exception."""

from __future__ import annotations

import logging
import socket
import traceback
from datetime import UTC, datetime

import pytest

from integrations.connectors.base import PayloadError
from integrations.connectors.http import (
    AuthError,
    Credentials,
    HttpClient,
    PermanentHTTPError,
    RetriesExhausted,
    parse_retry_after,
)
from integrations.connectors.jira import Client as JiraClient
from tests.integrations.support import Reply

OK = Reply(body={"ok": True})


def client(server, sleeps, **options) -> HttpClient:
    options.setdefault("max_attempts", 4)
    return HttpClient(server.url, headers={"Authorization": "Bearer tok"}, secrets=["tok"], sleep=sleeps, **options)


def test_429_waits_the_retry_after_then_succeeds(server, sleeps):
    server.sequence("/x", [Reply(429, {"message": "slow down"}, {"Retry-After": "2"}), OK])

    body, _ = client(server, sleeps).get_json("/x")

    assert body == {"ok": True}
    assert sleeps == [2.0]
    assert len(server.hits("/x")) == 2


def test_retry_after_is_bounded(server, sleeps):
    server.sequence("/x", [Reply(429, headers={"Retry-After": "3600"}), OK])

    client(server, sleeps, max_wait=5).get_json("/x")

    assert sleeps == [5.0]


def test_503_is_retried_with_exponential_backoff(server, sleeps):
    server.sequence("/x", [Reply(503), Reply(502), Reply(500), OK])

    client(server, sleeps).get_json("/x")

    assert len(server.hits("/x")) == 4
    # initial 0.5 s doubling, each plus up to 1 s of jitter
    assert len(sleeps) == 3
    for attempt, wait in enumerate(sleeps):
        assert 0.5 * 2 ** attempt <= wait <= 0.5 * 2 ** attempt + 1


def test_retries_are_bounded(server, sleeps):
    server.route("/x", Reply(503, {"error": "down"}))

    with pytest.raises(RetriesExhausted, match=r"HTTP 503 Service Unavailable \(gave up after 3 attempts") as error:
        client(server, sleeps, max_attempts=3).get_json("/x")

    assert error.value.status == 503 and "down" not in str(error.value)  # the status, never the body
    assert len(server.hits("/x")) == 3 and len(sleeps) == 2


@pytest.mark.parametrize(("status", "error_type"), [(401, AuthError), (403, AuthError), (404, PermanentHTTPError),
                                                    (400, PermanentHTTPError)])
def test_permanent_errors_are_not_retried(server, sleeps, status, error_type):
    server.route("/x", Reply(status, {"errorMessages": ["nope"]}))

    with pytest.raises(error_type, match=f"HTTP {status}") as error:
        client(server, sleeps).get_json("/x")

    assert error.value.status == status
    assert len(server.hits("/x")) == 1 and sleeps == []


def test_timeout_is_retried_then_succeeds(server, sleeps):
    server.sequence("/x", [Reply(body={"late": True}, delay=0.6), OK])

    body, _ = client(server, sleeps, timeout=0.2).get_json("/x")

    assert body == {"ok": True}
    assert len(sleeps) == 1


def test_timeouts_are_bounded(server, sleeps):
    server.route("/x", Reply(body={}, delay=0.6))

    with pytest.raises(RetriesExhausted, match="timed out .*gave up after 2 attempts") as error:
        client(server, sleeps, timeout=0.2, max_attempts=2).get_json("/x")

    assert error.value.status is None


def test_unreachable_server_is_retried_and_reported(sleeps):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the request: nothing listens there
    http = HttpClient(f"http://127.0.0.1:{port}", sleep=sleeps, max_attempts=2)

    with pytest.raises(RetriesExhausted, match="ConnectError"):
        http.get_json("/x")
    assert len(sleeps) == 1


def test_non_json_response_is_a_payload_error(server, sleeps):
    server.route("/x", Reply(body=b"<html>maintenance</html>"))

    with pytest.raises(PayloadError, match="response is not JSON"):
        client(server, sleeps).get_json("/x")


@pytest.mark.parametrize(("value", "seconds"), [("7", 7.0), ("0", 0.0), (" 12 ", 12.0),
                                                ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
                                                ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
                                                ("soon", None), (None, None)])
def test_parse_retry_after(value, seconds):
    now = lambda: datetime(2015, 10, 21, 7, 28, tzinfo=UTC)  # noqa: E731
    assert parse_retry_after(value, now=now) == seconds


# Credentials never leak ------------------------------------------------------------------------------

TOKEN = "glpat-Sup3rSecretT0ken"
PASSWORD = "hunter2-Pa55word!"


def test_credentials_do_not_show_themselves():
    credentials = Credentials(token=TOKEN, username="sync-bot", password=PASSWORD)
    shown = f"{credentials!r} {credentials}"
    assert TOKEN not in shown and PASSWORD not in shown and credentials.basic() not in shown
    assert "sync-bot" in shown


def test_secrets_never_reach_logs_or_exceptions(server, sleeps, caplog):
    credentials = Credentials(username="sync-bot", password=PASSWORD)
    basic = credentials.basic()

    def echo_and_refuse(seen):
        # A badly behaved server that echoes the request's credentials back in its error body.
        return Reply(401, {"error": f"bad credentials {seen.headers.get('Authorization')} / {PASSWORD}"})

    server.sequence("/rest/api/2/search", [Reply(429, headers={"Retry-After": "1"}), Reply(503),
                                           Reply(body={}, delay=0.6)])
    server.route("/rest/api/2/myself", echo_and_refuse)
    jira = JiraClient(base_url=server.url, credentials=credentials, sleep=sleeps, timeout=0.2, max_attempts=3)

    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    errors = []
    for call in (lambda: list(jira.issue_pages()), jira.account_time_zone):
        with pytest.raises(Exception) as error:
            call()
        errors.append(error.value)

    assert [type(e) for e in errors] == [RetriesExhausted, AuthError]
    # The credentials were really sent, so their absence below means something.
    assert server.hits("/rest/api/2/myself")[0].headers["Authorization"] == f"Basic {basic}"
    assert any("retrying" in r.getMessage() for r in caplog.records)
    texts = [r.getMessage() for r in caplog.records] + [
        "".join(traceback.format_exception(e)) + repr(e) + repr(e.args) for e in errors]
    for secret in (PASSWORD, basic):
        assert not [t for t in texts if secret in t]
    assert "bad credentials" not in str(errors[1])  # the body that echoed them is not reported at all
