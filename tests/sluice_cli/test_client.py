"""Retries, timeouts and error answers of the one HTTP path, against a scripted local server."""

from __future__ import annotations

import io
import socket
import time

import pytest

from sluice_cli.main import main
from tests.sluice_cli.stub_server import Answer, StubServer

TOKEN = "svt_secret-that-must-never-show"
ASK = ["check", "--service", "payments-api", "--environment", "payments-prod", "--version", "2.4.0"]
ALLOW = {"id": 1, "decision": "allow", "reasons": [], "retry_after": None}


@pytest.fixture
def stub():
    with StubServer() as server:
        yield server


def run(url: str, argv=ASK, **env):
    out, err = io.StringIO(), io.StringIO()
    environ = {"SLUICE_URL": url, "SLUICE_ORG": "acme", "SLUICE_TOKEN": TOKEN, "SLUICE_TIMEOUT": "2", **env}
    code = main(argv, environ=environ, out=out, err=err)
    assert TOKEN not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()


def test_the_request_carries_the_bearer_token_to_the_organizations_path(stub):
    stub.answers = [Answer(200, ALLOW)]
    assert run(stub.url)[0] == 0
    (seen,) = stub.seen
    assert (seen.method, seen.path) == ("POST", "/api/v1/orgs/acme/deployment-checks/")
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    assert seen.body == {"service": "payments-api", "environment": "payments-prod", "version": "2.4.0"}


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_server_errors_and_throttling_are_retried_honouring_retry_after(stub, status):
    busy = Answer(status, {"error": {"code": "busy", "message": "Try later."}}, {"Retry-After": "0"})
    stub.answers = [busy, busy, Answer(200, ALLOW)]
    code, out, err = run(stub.url)
    assert (code, len(stub.seen)) == (0, 3)
    assert err.count(f"HTTP {status}: Try later.; retrying in 0.0s") == 2


def test_a_lasting_server_error_exits_4_after_the_retries(stub):
    stub.answers = [Answer(503, "<html>down</html>", {"Retry-After": "0"})] * 3
    code, out, err = run(stub.url, SLUICE_RETRIES="2")
    assert (code, out, len(stub.seen)) == (4, "", 3)
    assert "failed after 3 attempt(s): HTTP 503: Service Unavailable" in err.splitlines()[-1]


def test_a_lease_is_not_asked_for_twice_through_a_gateway_error(stub):
    stub.answers = [Answer(502, "<html>bad gateway</html>")]
    code, _, err = run(stub.url, ["lease", "acquire", "--environment", "sit-1"])
    assert (code, len(stub.seen)) == (4, 1)
    assert "HTTP 502" in err


def test_an_unreachable_server_exits_4_naming_it(unused_port):
    started = time.monotonic()
    code, out, err = run(f"http://127.0.0.1:{unused_port}", SLUICE_RETRIES="1")
    assert (code, out) == (4, "")
    assert f"cannot connect to 127.0.0.1:{unused_port}" in err
    assert "retrying in" in err and time.monotonic() - started < 5


def test_a_slow_server_times_out_with_exit_4():
    with socket.socket() as listener:  # accepts the connection, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        code, _, err = run(f"http://127.0.0.1:{listener.getsockname()[1]}", SLUICE_TIMEOUT="0.3",
                           SLUICE_RETRIES="0")
    assert code == 4 and "ReadTimeout" in err


@pytest.mark.parametrize(("answer", "expected"), [
    (Answer(404, "<html>nginx</html>"), "answered HTTP 404 without Sluice's error body"),
    (Answer(302, "", {"Location": "https://sluice.example.com/login"}), "redirected to https://sluice.example.com"),
])
def test_something_other_than_sluice_answering_is_a_configuration_error(stub, answer, expected):
    stub.answers = [answer]
    code, _, err = run(stub.url)
    assert code == 3 and expected in err


def test_an_answer_that_is_not_json_exits_4(stub):
    stub.answers = [Answer(200, "<html>a portal</html>")]
    code, _, err = run(stub.url)
    assert code == 4 and "something other than JSON" in err


def test_the_error_shape_is_printed_with_fields_and_details(stub):
    stub.answers = [Answer(409, {"error": {"code": "conflict", "message": "Already used.",
                                           "fields": {"external_id": ["already used for another result"]},
                                           "details": {"conflicts_with": ["ci_result:4"]}}})]
    code, _, err = run(stub.url, ["report-result", "--name", "unit", "--subject", "1.0", "--status", "passed"])
    assert code == 3
    assert err.splitlines() == ["sluice: Already used. (HTTP 409, conflict)",
                                "  external_id: already used for another result",
                                '  conflicts_with: ["ci_result:4"]']


@pytest.fixture
def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
