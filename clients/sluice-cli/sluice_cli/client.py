"""The one HTTP path to the server: bearer token, timeouts, retries with backoff, one error shape.

A request is retried when it cannot have changed anything (the connection was never made, the
server answered 429/500/503, or the request is safe to repeat) so a retry never doubles a write.
"""

from __future__ import annotations

import email.utils
import json
import sys
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from sluice_cli import cli_version
from sluice_cli.config import Config
from sluice_cli.exits import CliError, Exit

# A 500 rolled the server's transaction back and a 503/429 was never processed: always safe to repeat.
# Behind a proxy a 502/504 may hide a request that went through, so only repeatable requests retry those.
RETRY_ALWAYS = frozenset({429, 500, 503})
RETRY_WHEN_REPEATABLE = frozenset({502, 504})
MAX_RETRY_AFTER = 60.0


class ApiError(CliError):
    """The server refused the request (4xx) with the API's one error shape."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None, details: dict | None = None):
        super().__init__(message, Exit.USAGE)
        self.status = status
        self.code = code
        self.fields = fields or {}
        self.details = details or {}


class _Retryable(Exception):
    def __init__(self, description: str, retry_after: float | None = None):
        super().__init__(description)
        self.retry_after = retry_after


def _retry_after_seconds(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After", "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return float(raw)
    try:
        moment = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _error_of(response: httpx.Response) -> dict:
    body = _json_or_none(response)
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


class Client:
    def __init__(self, config: Config, *, err=None):
        self.config = config
        self.err = err or sys.stderr
        self._backoff = wait_exponential(multiplier=0.5, max=10) + wait_random(0, 0.5)

    def get(self, path: str, *, params: dict | None = None) -> Any:
        return self._send("GET", path, repeatable=True, params=params)

    def post(self, path: str, body: dict, *, repeatable: bool, headers: dict | None = None) -> Any:
        """`repeatable`: sending it twice leaves the server as sending it once would (an update
        by external id, a renewal), so a timeout after the request left may be retried."""
        return self._send("POST", path, repeatable=repeatable, json=body, headers=headers)

    def get_bytes(self, path: str, *, accept: str) -> bytes:
        """The body of a GET as it came (a file the server writes, not JSON)."""
        return self._send("GET", path, repeatable=True, raw=True, headers={"Accept": accept})

    def post_bytes(self, path: str, content: bytes, *, content_type: str, params: dict | None = None,
                   repeatable: bool) -> Any:
        """POST a file as it is (the server parses it, so its errors name the file's lines)."""
        return self._send("POST", path, repeatable=repeatable, content=content, params=params,
                          headers={"Content-Type": content_type})

    def _send(self, method: str, path: str, *, repeatable: bool, raw: bool = False, **kwargs) -> Any:
        url = self.config.api_base + path.lstrip("/")
        headers = {"Authorization": f"Bearer {self.config.token}", "Accept": "application/json",
                   "User-Agent": f"sluice-cli/{cli_version()}", **(kwargs.pop("headers", None) or {})}
        retrying = Retrying(stop=stop_after_attempt(self.config.retries + 1), wait=self._wait,
                            retry=retry_if_exception_type(_Retryable), before_sleep=self._announce, reraise=True)
        with httpx.Client(timeout=self.config.timeout, headers=headers, follow_redirects=False) as http:
            try:
                for attempt in retrying:
                    with attempt:
                        response = self._attempt(http, method, url, repeatable, **kwargs)
            except _Retryable as exc:
                attempts = self.config.retries + 1
                raise CliError(f"{method} {url} failed after {attempts} attempt(s): {exc}", Exit.UNAVAILABLE) from None
        if raw and 200 <= response.status_code < 300:
            return response.content
        return self._answer(method, url, response)

    def _attempt(self, http: httpx.Client, method: str, url: str, repeatable: bool, **kwargs) -> httpx.Response:
        try:
            response = http.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise _Retryable(f"cannot connect to {urlsplit(url).netloc} ({exc})") from exc
        except httpx.TransportError as exc:
            if repeatable:
                raise _Retryable(f"{type(exc).__name__} ({exc})") from exc
            raise CliError(f"{method} {url} failed after the request was sent ({type(exc).__name__}: {exc}); it may "
                           "or may not have been applied, so it is not repeated.", Exit.UNAVAILABLE) from exc
        status = response.status_code
        if status in RETRY_ALWAYS or (repeatable and status in RETRY_WHEN_REPEATABLE):
            message = _error_of(response).get("message") or response.reason_phrase
            raise _Retryable(f"HTTP {status}: {message}", _retry_after_seconds(response))
        return response

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, _Retryable) and exc.retry_after is not None:
            return min(exc.retry_after, MAX_RETRY_AFTER)
        return self._backoff(state)

    def _announce(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        pause = state.next_action.sleep if state.next_action else 0
        print(f"sluice: {exc}; retrying in {pause:.1f}s (attempt {state.attempt_number + 1} of "
              f"{self.config.retries + 1})", file=self.err)

    def _answer(self, method: str, url: str, response: httpx.Response) -> Any:
        status = response.status_code
        if 200 <= status < 300:
            if status == 204 or not response.content:
                return {}
            body = _json_or_none(response)
            if body is None:
                raise CliError(f"{method} {url} answered {status} with something other than JSON: is SLUICE_URL the "
                               "Sluice server?", Exit.UNAVAILABLE)
            return body
        if 300 <= status < 400:
            raise CliError(f"{method} {url} was redirected to {response.headers.get('Location', '?')}: point "
                           "SLUICE_URL at the server's final address.", Exit.USAGE)
        if status >= 500:
            raise CliError(f"{method} {url} failed: HTTP {status}.", Exit.UNAVAILABLE)
        error = _error_of(response)
        if not error:
            raise ApiError(status, f"http_{status}", f"{method} {url} answered HTTP {status} without Sluice's error "
                                                     "body: is SLUICE_URL the Sluice server?")
        fields, details = error.get("fields"), error.get("details")
        raise ApiError(status, str(error.get("code") or f"http_{status}"), str(error.get("message") or ""),
                       fields if isinstance(fields, dict) else None, details if isinstance(details, dict) else None)
