"""A scripted local HTTP server for what the real server will not do on demand: fail with 5xx or
429, answer a proxy's HTML, or take a record before its endpoint exists. It records every request."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    status: int
    body: str | dict = ""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: dict | None


class StubServer:
    def __init__(self):
        self.answers: list[Answer] = []
        self.seen: list[Seen] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                stub.seen.append(Seen(self.command, self.path, dict(self.headers), json.loads(raw) if raw else None))
                answer = stub.answers.pop(0) if stub.answers else Answer(500, {"error": {"message": "unscripted"}})
                payload = json.dumps(answer.body) if isinstance(answer.body, dict) else answer.body
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json" if isinstance(answer.body, dict) else "text/html")
                self.send_header("Content-Length", str(len(payload.encode())))
                self.end_headers()
                self.wfile.write(payload.encode())

            do_GET = do_POST = _serve

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
