"""The HTTP side of the pull connectors: one small wrapper of the guarded outbound client
(vsm/outbound.py: https, public addresses, no redirects, timeouts) with bounded retries
(exponential backoff with jitter on 429, 5xx, timeouts and connection errors, honouring
Retry-After) and errors that never carry a credential nor the far end's body.

Credentials are handed in by the caller (the connection decrypts them) and live only in the
request headers; every message this module logs or raises is passed through :func:`redact` with
the credential's secret forms, and exceptions are raised ``from None`` so no httpx request object
(which holds the headers) hangs off them.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from integrations.connectors.base import PayloadError
from vsm import outbound

logger = logging.getLogger("integrations.connectors")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


class Page(NamedTuple):
    """One page of a pull: the normalized records and the cursor to save with them. Saving
    ``cursor`` in the same transaction as ``records`` makes a killed sync resume at the next page;
    the last page's cursor is where the next incremental sync starts."""

    records: list[Any]
    cursor: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a connection authenticates with. ``token`` alone is sent as a bearer (or source
    specific) token; ``username`` plus ``password`` (a password or an API token) as HTTP Basic."""

    token: str | None = None
    username: str | None = None
    password: str | None = None

    def __repr__(self) -> str:  # never show secrets, even in a debugger or a crash report
        return f"Credentials(username={self.username!r}, token={'***' if self.token else None}, " \
               f"password={'***' if self.password else None})"

    __str__ = __repr__

    def basic(self) -> str | None:
        if self.username and self.password:
            return base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return None

    def authorization(self) -> dict[str, str]:
        """``Authorization: Basic`` when a username and password are given, else ``Bearer``."""
        if basic := self.basic():
            return {"Authorization": f"Basic {basic}"}
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        return {}

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.password, self.basic()) if s)


def redact(message: str, secrets: Iterable[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        message = message.replace(secret, "***")
    return message


class ConnectorHTTPError(Exception):
    """A pull request to a source failed. ``status`` is the HTTP status (None for a transport
    failure); the message names the method, URL and cause, never a credential."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class AuthError(ConnectorHTTPError):
    """401/403: the credentials are wrong or lack rights. Never retried."""


class PermanentHTTPError(ConnectorHTTPError):
    """Any other 4xx, a redirect, or a request the outbound guard refused: retrying the same
    request cannot help."""


class RetriesExhausted(ConnectorHTTPError):
    """429, 5xx, timeouts or connection failures outlasted the retry budget."""


class _Transient(ConnectorHTTPError):
    """Worth another attempt; becomes RetriesExhausted when the attempts run out."""


def parse_retry_after(value: str | None, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """Retry-After in seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now()).total_seconds())


class HttpClient:
    """GET JSON from one source. ``sleep`` is injectable so tests can observe backoff without
    waiting; ``max_wait`` bounds any single wait, including a server's Retry-After. An absolute
    URL (a next-page link the source answered) must be on the base URL's scheme, host and port:
    the credentials go nowhere else."""

    def __init__(self, base_url: str, *, headers: dict[str, str] | None = None, secrets: Iterable[str] = (),
                 timeout: httpx.Timeout | float = outbound.DEFAULT_TIMEOUT, max_attempts: int = 5,
                 max_wait: float = 60.0, sleep: Callable[[float], None] = time.sleep):
        self.base_url = base_url.rstrip("/")
        self._secrets = tuple(secrets)
        self._max_attempts = max_attempts
        self._max_wait = max_wait
        self._sleep = sleep
        # 0.5 s, 1 s, 2 s, ... plus up to 1 s of jitter so many workers do not retry in step.
        self._backoff = wait_exponential(multiplier=0.5, max=max_wait) + wait_random(0, 1)
        self._client = outbound.client(base_url=self.base_url, timeout=timeout,
                                       headers={"Accept": "application/json", **(headers or {})})

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, ConnectorHTTPError) and error.retry_after is not None:
            wait = min(error.retry_after, self._max_wait)
        else:
            wait = min(self._backoff(state), self._max_wait)
        logger.warning(redact(f"{error}; retrying in {wait:.1f}s (attempt {state.attempt_number})", self._secrets))
        return wait

    def get(self, url: str, params: dict[str, Any] | None = None) -> httpx.Response:
        """GET ``url`` (a path under the base URL, or an absolute next-page link) with retries."""
        retrying = Retrying(
            stop=stop_after_attempt(self._max_attempts), wait=self._wait, sleep=self._sleep,
            retry=retry_if_exception_type(_Transient), reraise=True,
        )
        try:
            return retrying(self._get_once, url, params)
        except _Transient as exc:
            raise RetriesExhausted(f"{exc} (gave up after {self._max_attempts} attempts)", status=exc.status) from None

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> tuple[Any, httpx.Response]:
        response = self.get(url, params)
        try:
            return response.json(), response
        except ValueError:
            raise PayloadError(self._say(f"GET {response.request.url}: response is not JSON")) from None

    def _say(self, message: str) -> str:
        return redact(message, self._secrets)

    def _target(self, url: str) -> str:
        return url if "://" in url else f"{self.base_url}/{url.lstrip('/')}"

    def _get_once(self, url: str, params: dict[str, Any] | None) -> httpx.Response:
        started = time.monotonic()
        if "://" in url and outbound.origin(url) != outbound.origin(self.base_url):
            raise PermanentHTTPError(self._say(f"GET {url}: refused: not on {self.base_url}, where the "
                                               "credentials belong"))
        try:
            response = self._client.get(url, params=params)
        except outbound.OutboundRefused as exc:
            raise PermanentHTTPError(self._say(f"GET {self._target(url)}: refused: {exc}")) from None
        except httpx.TimeoutException:
            raise _Transient(self._say(f"GET {self._target(url)}: timed out")) from None
        except httpx.TransportError as exc:
            raise _Transient(self._say(f"GET {self._target(url)}: {type(exc).__name__}")) from None
        target = response.request.url
        logger.debug(self._say(f"GET {target} -> {response.status_code} in {time.monotonic() - started:.3f}s"))
        status = response.status_code
        if status < 300:
            return response
        detail = self._say(f"GET {target}: {outbound.status_text(status)}")
        if status in RETRYABLE_STATUSES:
            raise _Transient(detail, status=status, retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if status in (401, 403):
            raise AuthError(detail, status=status)
        raise PermanentHTTPError(detail, status=status)


def link_next(response: httpx.Response) -> str | None:
    """The RFC 8288 ``Link: <...>; rel="next"`` URL (GitHub, GitLab keyset, ServiceNow)."""
    return response.links.get("next", {}).get("url")


def paged_by_link(http: HttpClient, path: str, params: dict[str, Any], cursor: dict[str, Any] | None, *,
                  items: Callable[[Any], list[Any]], parse: Callable[[list[Any]], list[Any]],
                  stamp: Callable[[Any], datetime | None], next_url: Callable[[httpx.Response], str | None],
                  newest_first: bool = False) -> Iterator[Page]:
    """Follow next-page links from ``path``, yielding each page's records with a resumable cursor.

    The cursor is ``{"since", "next", "high_water"}``: mid-sync it holds the next page's URL (all
    query parameters included), so a restarted sync continues exactly there; after the last page
    it is ``{"since": <newest stamp seen>}``, the start of the next incremental sync. ``since`` is
    inclusive: the boundary record is read again and the idempotent upsert absorbs it.

    ``newest_first`` lists (GitHub's deployments and pulls) cannot be filtered by the server, so
    paging stops at the first item older than ``since``.

    Known limit of page-numbered lists (GitHub, GitLab offset pages, like Jira's ``startAt``): an
    item updated while a sync is paging moves within the order and can shift one unread item
    across a page boundary; that item is read by a later sync only if it changes again. Webhooks
    deliver live changes for these sources; an occasional full sync (no cursor) heals the rest.
    """
    cursor = dict(cursor or {})
    since = _cursor_time(cursor.get("since"))
    high_water = _cursor_time(cursor.get("high_water"))
    url, query = (cursor["next"], None) if cursor.get("next") else (path, params)
    while True:
        body, response = http.get_json(url, query)
        page_items = items(body)
        fresh = [item for item in page_items if since is None or (stamp(item) or since) >= since]
        stamps = [s for s in map(stamp, page_items) if s]
        high_water = max([*stamps, *([high_water] if high_water else [])], default=None)
        url, query = next_url(response), None
        done = url is None or (newest_first and len(fresh) < len(page_items))
        resting = high_water or since
        next_cursor = ({"since": _cursor_str(resting)} if done else
                       {"since": _cursor_str(since), "next": url, "high_water": _cursor_str(high_water)})
        yield Page(parse(fresh), next_cursor)
        if done:
            return


def _cursor_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _cursor_str(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
