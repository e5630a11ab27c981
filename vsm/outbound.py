"""The one HTTP client for addresses that people type into Sluice: connector pulls, write-back,
"test connection" and chat webhooks all send through :func:`client`.

An organization's admin chooses those addresses, so a request must not become a way into the
network Sluice runs in, nor a way to carry stored credentials somewhere else:

- **https only**, unless the operator lists the host in ``OUTBOUND_HTTP_ALLOWED_HOSTS``.
- **Public addresses only.** The name is resolved once, every address it resolves to is checked,
  and the connection is made to a checked address, while the URL keeps its name (so the Host
  header, SNI and the certificate check are the name's). A name that resolves elsewhere a moment
  later (DNS rebinding) changes nothing: nothing resolves it a second time. Loopback, link-local
  (cloud metadata), private, shared, multicast, unspecified and reserved addresses are refused,
  unless the operator lists the host in ``OUTBOUND_ALLOWED_HOSTS`` (an on-premises Jira).
- **No redirects followed**: a 3xx answer is an answer, which callers report as a failure.
- **A timeout on every request**, and no proxy taken from the environment (a proxy would resolve
  the name itself, out of the check's sight).
- **Errors say the status and a fixed reason** (:func:`status_text`), never the far end's body
  or reason phrase.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from http import HTTPStatus

import httpcore
import httpx
from django.conf import settings

DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)


class OutboundRefused(httpx.RequestError):
    """Sluice will not send this request: the scheme or the address is not allowed. Nothing was
    sent; trying again cannot help."""


def _listed(host: str, setting: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    return any(host == entry.strip("[]").lower().rstrip(".") for entry in getattr(settings, setting))


def _refusal(text: str) -> str | None:
    """Why Sluice may not connect to the address ``text`` (None when it is a public address)."""
    address = ipaddress.ip_address(text.split("%")[0])  # without an IPv6 zone
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for kind in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(address, f"is_{kind}"):
            return f"a {kind.replace('_', '-')} address"
    return None if address.is_global else "not a public address"


def _resolve(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise httpcore.ConnectError(f"{host} does not resolve") from None
    return list(dict.fromkeys(info[4][0] for info in found))


class _CheckedBackend(httpcore.SyncBackend):
    """Connects to the address it checked, never to one resolved again later."""

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable | None = None) -> httpcore.NetworkStream:
        if _listed(host, "OUTBOUND_ALLOWED_HOSTS"):
            return super().connect_tcp(host, port, timeout, local_address, socket_options)
        addresses = _resolve(host, port)
        public = [a for a in addresses if _refusal(a) is None]
        if not public:
            verb = "is" if host in addresses else "resolves to"
            raise OutboundRefused(f"{host} {verb} {_refusal(addresses[0])}; Sluice does not call such addresses "
                                  "unless the operator lists the host in OUTBOUND_ALLOWED_HOSTS")
        error: Exception | None = None
        for address in public:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as failed:
                error = failed
        raise error


def scheme_refusal(url: str | httpx.URL) -> str | None:
    """Why ``url``'s scheme may not be used (None when it may): https always, http only to the
    hosts in OUTBOUND_HTTP_ALLOWED_HOSTS. Services ask it when a URL is saved, the transport
    when it is sent to."""
    url = httpx.URL(url)
    if url.scheme == "https" or (url.scheme == "http" and _listed(url.host, "OUTBOUND_HTTP_ALLOWED_HOSTS")):
        return None
    return (f"{url.scheme}:// to {url.host} is refused: Sluice sends only https unless the operator lists the "
            "host in OUTBOUND_HTTP_ALLOWED_HOSTS")


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a connection pool whose every connection goes through
    :class:`_CheckedBackend`, refusing plain http to hosts the operator did not list."""

    def __init__(self) -> None:
        # Not HTTPTransport.__init__: it builds a pool without a way to hand it a network backend.
        # SSL_CERT_FILE / SSL_CERT_DIR still apply (an on-premises CA).
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(trust_env=True),
                                             network_backend=_CheckedBackend())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if refusal := scheme_refusal(request.url):
            raise OutboundRefused(refusal, request=request)
        try:
            return super().handle_request(request)
        except OutboundRefused as refused:
            refused.request = request
            raise


def client(*, base_url: str = "", headers: dict[str, str] | None = None,
           timeout: httpx.Timeout | float = DEFAULT_TIMEOUT) -> httpx.Client:
    """An httpx client that sends only what the rules above allow. ``timeout`` cannot be None."""
    if timeout is None:
        raise ValueError("every outbound request has a timeout")
    return httpx.Client(base_url=base_url, headers=headers, timeout=timeout, transport=GuardedTransport(),
                        follow_redirects=False, trust_env=False)


def origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and port (the scheme's default when not written) of ``url``: where a
    credential is sent. Raises httpx.InvalidURL for text that is no URL."""
    url = httpx.URL(url)
    return url.scheme, url.host, url.port or {"https": 443, "http": 80}.get(url.scheme)


def status_text(status: int) -> str:
    """``HTTP <status> <standard reason>``: what an error may say about an answer. The body and
    the server's own reason phrase stay out (they may echo the request, credentials included, or
    tell an internal service by its wording)."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "unexpected status"
    if 300 <= status < 400:
        reason += " (redirects are not followed)"
    return f"HTTP {status} {reason}"
