"""A chat service on 127.0.0.1 that records what it is sent and answers as scripted, and short
retry waits so tests of the backoff stay fast."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from vsm.notifications import chat

SECRET_PATH = "/services/T0SLUICE/B0SLUICE/s3cr3t-w3bh00k-t0k3n"


@dataclass
class Received:
    path: str
    body: dict
    at: float


@dataclass
class ChatServer:
    port: int
    received: list[Received] = field(default_factory=list)
    script: list[tuple[int, dict]] = field(default_factory=list)
    delay: float = 0.0  # seconds before answering, to hold a post in flight

    def url(self, path: str = SECRET_PATH) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def answer(self, *answers: int | tuple[int, dict]) -> None:
        """Answer the next requests with these statuses (and headers); then 200."""
        self.script.extend(a if isinstance(a, tuple) else (a, {}) for a in answers)

    def bodies(self, path: str = SECRET_PATH) -> list[dict]:
        return [r.body for r in self.received if r.path == path]


def _handler(server: ChatServer):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            server.received.append(Received(self.path, json.loads(self.rfile.read(length)), time.monotonic()))
            time.sleep(server.delay)
            status, headers = server.script.pop(0) if server.script else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # the request line holds the secret path
            pass

    return Handler


@pytest.fixture
def chat_server():
    recorder = ChatServer(port=0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(recorder))
    recorder.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield recorder
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch):
    monkeypatch.setattr(chat, "BACKOFF_SECONDS", 0.01)
    monkeypatch.setattr(chat, "MAX_WAIT_SECONDS", 2.0)
