"""Posting to Slack- and Teams-style incoming webhooks.

A webhook URL is a bearer secret, so it never reaches a log line nor a recorded error: errors are
described by status code or exception type, with the URL scrubbed from any message. Posts go
through the guarded outbound client (vsm/outbound.py: https, public addresses, no redirects,
timeouts), so a webhook cannot point into Sluice's own network. 429 and 5xx answers and failed
connections are retried with backoff, honouring Retry-After, within a bounded number of attempts
and a bounded wait.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from vsm import outbound

# Module settings, read at call time so tests can shorten them.
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = 1.0  # first wait; doubles each retry
MAX_WAIT_SECONDS = 30.0  # a longer Retry-After is cut to this: a worker must not sleep for minutes
TIMEOUT = httpx.Timeout(10.0, connect=5.0)

_posting = ContextVar("sluice_chat_posting", default=False)


class _RedactWebhookUrls(logging.Filter):
    """httpx logs every request's full URL at INFO; while a chat post is under way, only the
    scheme and host of it reach the log, so operators still see each attempt."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _posting.get() and isinstance(record.args, tuple):
            record.args = tuple(f"{arg.scheme}://{arg.host}/[webhook path]" if isinstance(arg, httpx.URL) else arg
                                for arg in record.args)
        return True


logging.getLogger("httpx").addFilter(_RedactWebhookUrls())


@dataclass(frozen=True)
class ChatMessage:
    title: str
    body: str
    link: str


@dataclass(frozen=True)
class PostResult:
    attempts: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error


class _RetryableAnswer(Exception):
    def __init__(self, status: int, retry_after: float | None):
        super().__init__(f"HTTP {status}")
        self.status = status
        self.retry_after = retry_after


def _slack_escape(text: str) -> str:
    # Slack reads <...> as links and mentions (<!channel>): titles come from user input.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(flavor: str, message: ChatMessage) -> dict[str, Any]:
    if flavor == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": message.title,
            "title": message.title,
            "text": "\n\n".join(part for part in (message.body, f"[Open in Sluice]({message.link})") if part),
            "potentialAction": [{"@type": "OpenUri", "name": "Open in Sluice",
                                 "targets": [{"os": "default", "uri": message.link}]}],
        }
    lines = (f"*{_slack_escape(message.title)}*", _slack_escape(message.body), message.link)
    return {"text": "\n".join(line for line in lines if line)}


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _wait(state: RetryCallState) -> float:
    hinted = getattr(state.outcome.exception(), "retry_after", None)
    if hinted is not None:
        return min(hinted, MAX_WAIT_SECONDS)
    return wait_exponential(multiplier=BACKOFF_SECONDS, max=MAX_WAIT_SECONDS)(state)


def _describe(error: Exception, url: str) -> str:
    text = f"{type(error).__name__}: {error}".replace(url, "[webhook URL]")
    path = urlsplit(url).path
    if len(path) > 1:
        text = text.replace(path, "[webhook path]")
    return text[:300]


def post(*, url: str, flavor: str, message: ChatMessage, max_attempts: int | None = None) -> PostResult:
    """Post `message`; never raises for what the far end or the network does."""
    body = payload(flavor, message)
    attempts = 0

    def once(client: httpx.Client) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        response = client.post(url, json=body)
        if response.status_code == 429 or response.status_code >= 500:
            raise _RetryableAnswer(response.status_code, _retry_after(response))
        return response

    retrying = Retrying(
        stop=stop_after_attempt(max_attempts or MAX_ATTEMPTS),
        wait=_wait,
        # Only when the message surely did not arrive or the far end asked for it: a read timeout
        # may follow a delivered post, and retrying it would post twice.
        retry=retry_if_exception_type((_RetryableAnswer, httpx.ConnectError, httpx.ConnectTimeout)),
        reraise=True,
    )
    posting = _posting.set(True)
    try:
        with outbound.client(timeout=TIMEOUT) as client:
            response = retrying(once, client)
    except _RetryableAnswer as answer:
        return PostResult(attempts=attempts, error=f"{outbound.status_text(answer.status)} after {attempts} attempt(s)")
    except outbound.OutboundRefused as refused:
        return PostResult(attempts=attempts, error=f"Refused: {refused}")  # names the host, never the path
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return PostResult(attempts=attempts, error=_describe(error, url))
    finally:
        _posting.reset(posting)
    if not response.is_success:
        return PostResult(attempts=attempts, error=outbound.status_text(response.status_code))
    return PostResult(attempts=attempts)
