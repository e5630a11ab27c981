"""Connector test support: the published payload fixtures and a local HTTP server that replays
them page by page. Nothing here touches the database."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

import pytest

# The published payloads live in the repository (tests/fixtures/, sources and licences in its
# README), so a clone anywhere carries what its tests read.
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture_bytes(relative: str) -> bytes:
    """A fixture file's exact bytes (what a webhook signature covers)."""
    path = FIXTURES / relative
    if not path.is_file():
        pytest.fail(f"connector fixture {path} is missing")
    return path.read_bytes()


def load_fixture(relative: str) -> dict[str, Any]:
    return json.loads(fixture_bytes(relative))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Responder = Callable[[Seen], Reply]


def assert_fixture_records(connector: ModuleType, relative: str, event: str, expected: list) -> None:
    """The stored payload ``relative`` is read as ``event`` (its header named in lower case) and
    parsed by ``connector`` into exactly ``expected``."""
    body = load_fixture(relative)
    assert connector.event_name({connector.EVENT_HEADER.lower(): event}, body) == event
    parsed = connector.parse_webhook(event, {connector.EVENT_HEADER: event}, body)
    assert parsed.ignored is None
    assert list(parsed.records) == expected


class QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 and a random port, answering with the handler given
    to ``listen``; run for a block by ``serving()``."""

    def listen(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)


class ReplayServer(LocalServer):
    """A threaded HTTP server on 127.0.0.1 and a random port. ``route(path, responder)`` answers
    GETs of one path; ``sequence(path, replies)`` answers them in order (then repeats the last).
    Every request is kept in ``seen``."""

    def __init__(self) -> None:
        self.routes: dict[str, Responder] = {}
        self.seen: list[Seen] = []
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                seen = Seen("GET", parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()},
                            dict(self.headers.items()))
                server.seen.append(seen)
                responder = server.routes.get(parts.path)
                reply = responder(seen) if responder else Reply(404, {"error": f"no route {parts.path}"})
                if reply.delay:
                    time.sleep(reply.delay)
                payload = b"" if reply.body is None else (
                    reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode())
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left, which is what the test wanted

        self.listen(Handler)

    def route(self, path: str, responder: Responder | Reply | Any) -> None:
        if callable(responder):
            self.routes[path] = responder
        else:
            reply = responder if isinstance(responder, Reply) else Reply(body=responder)
            self.routes[path] = lambda seen: reply

    def sequence(self, path: str, replies: list[Reply]) -> None:
        remaining = list(replies)
        self.routes[path] = lambda seen: remaining.pop(0) if len(remaining) > 1 else remaining[0]

    def hits(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


@dataclass
class Written:
    method: str
    path: str
    body: Any
    headers: dict[str, str]


class ToolServer(LocalServer):
    """A local REST server standing in for Jira and ServiceNow: ``answer(method, path, reply)``
    sets a reply (JSON body and status); every request is kept in ``requests``."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], tuple[int, Any]] = {}
        self.requests: list[Written] = []
        tool = self

        class Handler(QuietHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = self.path.split("?", 1)[0]
                tool.requests.append(Written(self.command, path, json.loads(raw) if raw else None,
                                             dict(self.headers.items())))
                status, body = tool.answers.get((self.command, path), (404, {"errorMessages": ["not found"]}))
                payload = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PATCH = _serve

        self.listen(Handler)

    def answer(self, method: str, path: str, status: int = 200, body: Any = None) -> None:
        self.answers[(method, path)] = (status, body)

    def writes(self) -> list[Written]:
        return [r for r in self.requests if r.method != "GET"]


Served = TypeVar("Served")


@contextmanager
def serving(server: Served) -> Iterator[Served]:
    """Run a local server (anything with an ``httpd`` and its ``thread``) for the length of the block."""
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


class Sleeps(list):
    """A stand-in for time.sleep that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
