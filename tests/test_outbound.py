"""The guarded outbound client against real local servers: what it refuses never reaches the
server, what the operator allows does, redirects are not followed and errors carry no body."""

from __future__ import annotations

import socket

import httpx
import pytest

from integrations.connectors.http import HttpClient, PermanentHTTPError
from tests.integrations.support import ReplayServer, Reply, serving
from vsm import outbound


@pytest.fixture
def server():
    with serving(ReplayServer()) as replay:
        yield replay


@pytest.fixture
def nothing_allowed(settings):
    """Production's defaults: no host listed."""
    settings.OUTBOUND_ALLOWED_HOSTS = []
    settings.OUTBOUND_HTTP_ALLOWED_HOSTS = []
    return settings


def get(url: str) -> httpx.Response:
    with outbound.client(timeout=1.0) as client:
        return client.get(url)


@pytest.mark.parametrize(("host", "reason"), [
    ("127.0.0.1", "loopback"),
    ("[::1]", "loopback"),
    ("[::ffff:127.0.0.1]", "loopback"),
    ("localhost", "loopback"),  # really resolved: a name is judged by the addresses it resolves to
    ("169.254.169.254", "link-local"),
    ("10.0.0.1", "private"),
    ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"),
])
def test_internal_addresses_are_refused_before_anything_is_sent(server, nothing_allowed, host, reason):
    # Plain http is allowed for these hosts, so only the address rule stands between the request
    # and the local server (which answers on 127.0.0.1, ::ffff:127.0.0.1 and localhost).
    nothing_allowed.OUTBOUND_HTTP_ALLOWED_HOSTS = [host.strip("[]")]
    port = server.httpd.server_address[1]

    verb = "resolves to" if host == "localhost" else "is"
    with pytest.raises(outbound.OutboundRefused, match=f"{verb} a {reason} address.*OUTBOUND_ALLOWED_HOSTS"):
        get(f"http://{host}:{port}/x")

    assert server.seen == []


def test_plain_http_is_refused_unless_the_operator_lists_the_host(server, nothing_allowed):
    nothing_allowed.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]

    with pytest.raises(outbound.OutboundRefused, match="http:// to 127.0.0.1 is refused.*OUTBOUND_HTTP_ALLOWED_HOSTS"):
        get(f"{server.url}/x")
    assert server.seen == []

    nothing_allowed.OUTBOUND_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    server.route("/x", {"ok": True})
    assert get(f"{server.url}/x").json() == {"ok": True}
    assert [s.path for s in server.seen] == ["/x"]


def test_a_host_the_operator_lists_is_reached(server, nothing_allowed):
    nothing_allowed.OUTBOUND_ALLOWED_HOSTS = nothing_allowed.OUTBOUND_HTTP_ALLOWED_HOSTS = ["localhost"]
    server.route("/rest/api/2/myself", {"name": "sync-bot"})
    port = server.httpd.server_address[1]

    assert get(f"http://LOCALHOST:{port}/rest/api/2/myself").json() == {"name": "sync-bot"}
    assert server.seen[0].headers["Host"] == f"localhost:{port}"


def test_the_name_is_resolved_once_and_the_checked_address_is_the_one_connected_to(server, nothing_allowed,
                                                                                    monkeypatch):
    """DNS rebinding: the name answers a public address to the check and loopback afterwards."""
    nothing_allowed.OUTBOUND_HTTP_ALLOWED_HOSTS = ["rebind.test"]
    real = socket.getaddrinfo
    asked = []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.test":
            return real(host, port, *args, **kwargs)
        asked.append(host)
        address = "192.88.99.1" if len(asked) == 1 else "127.0.0.1"  # a public address, then loopback
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = server.httpd.server_address[1]

    with outbound.client(timeout=0.3) as client, pytest.raises(httpx.TransportError):
        client.get(f"http://rebind.test:{port}/x")  # the public address does not answer here

    assert asked == ["rebind.test"]
    assert server.seen == []


def test_redirects_are_not_followed_to_a_refused_address(server, nothing_allowed):
    with serving(ReplayServer()) as target:
        nothing_allowed.OUTBOUND_ALLOWED_HOSTS = nothing_allowed.OUTBOUND_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
        inside = f"http://localhost:{target.httpd.server_address[1]}/latest/meta-data/"
        server.route("/x", Reply(302, headers={"Location": inside}))

        assert get(f"{server.url}/x").status_code == 302
        with pytest.raises(PermanentHTTPError, match="HTTP 302 Found \\(redirects are not followed\\)"):
            HttpClient(server.url, max_attempts=1).get_json("/x")
        assert target.seen == []


def test_an_error_answer_reports_its_status_and_never_its_body(server):
    server.route("/x", Reply(404, {"error": "no such thing in db-internal-7.corp:5432"}))

    with pytest.raises(PermanentHTTPError) as error:
        HttpClient(server.url, max_attempts=1).get_json("/x")

    assert str(error.value).endswith("/x: HTTP 404 Not Found") and "db-internal" not in str(error.value)


def test_a_next_page_link_to_another_origin_is_not_followed_with_the_credentials(server):
    with serving(ReplayServer()) as other:
        http = HttpClient(server.url, headers={"Authorization": "Bearer tok"}, secrets=["tok"], max_attempts=1)
        with pytest.raises(PermanentHTTPError, match="where the credentials belong"):
            http.get_json(f"{other.url}/page/2")
        assert other.seen == []


def test_every_client_has_a_timeout():
    with pytest.raises(ValueError, match="timeout"):
        outbound.client(timeout=None)


@pytest.mark.parametrize(("status", "text"), [(404, "HTTP 404 Not Found"), (599, "HTTP 599 unexpected status"),
                                              (301, "HTTP 301 Moved Permanently (redirects are not followed)")])
def test_status_text(status, text):
    assert outbound.status_text(status) == text
