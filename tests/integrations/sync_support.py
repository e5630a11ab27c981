"""Support of the sync, write-back and page tests: each pull source served from the published
fixtures by the local replay server (the emulators of the connector tests), and a local REST
server that records writes."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.integrations.support import ReplayServer, Reply, Seen
from tests.integrations.test_github import HELLO, serve_deployments
from tests.integrations.test_gitlab import serve_pipelines
from tests.integrations.test_jenkins import Builds
from tests.integrations.test_jira import serve_v2_search
from tests.integrations.test_servicenow import ROWS, TableAPI

# No waiting between retries, small pages so every source pages more than once.
CLIENT_OPTIONS = {"sleep": lambda seconds: None, "max_attempts": 2, "page_size": 3}


@dataclass(frozen=True)
class Source:
    """How to serve one kind of source and what a full sync of it stores."""

    kind: str
    options: dict[str, Any]
    serve: Callable[[ReplayServer], Any]
    model: str  # the integrations model the sync fills
    rows: int  # how many rows of it the served fixtures hold
    list_path: str  # the path of the paged listing


SOURCES = {
    "jira": Source("jira", {"jql": "project = TST", "api": "v2"}, serve_v2_search, "WorkItem", 8,
                   "/rest/api/2/search"),
    "servicenow": Source("servicenow", {"tables": ["incident"]}, lambda server: TableAPI(server, ROWS), "Incident",
                         len(ROWS), "/api/now/table/incident"),
    "github": Source("github", {"repositories": [HELLO], "streams": ["deployments"]}, serve_deployments,
                     "Deployment", 3, f"/repos/{HELLO}/deployments"),
    "gitlab": Source("gitlab", {"projects": ["gitlab-org/gitlab-test"], "streams": ["pipelines"]}, serve_pipelines,
                     "PipelineRun", 3, "/api/v4/projects/gitlab-org%2Fgitlab-test/pipelines"),
    "jenkins": Source("jenkins", {"jobs": ["folder/fish"]},
                      lambda server: Builds(server, [14, 13, 12, 11, 10], building={14}), "PipelineRun", 5,
                      "/job/folder/job/fish/api/json"),
}


def failing_once(server: ReplayServer, path: str, *, at_call: int, status: int = 500) -> None:
    """Make the ``at_call``-th request (1-based) of ``path`` fail with ``status`` once."""
    respond, calls = server.routes[path], []

    def wrapped(seen: Seen) -> Reply:
        calls.append(seen)
        return Reply(status, {"error": "boom"}) if len(calls) == at_call else respond(seen)
    server.routes[path] = wrapped


@dataclass
class Written:
    method: str
    path: str
    body: Any
    headers: dict[str, str]


class ToolServer:
    """A local REST server standing in for Jira and ServiceNow: ``answer(method, path, reply)``
    sets a reply (JSON body and status); every request is kept in ``requests``."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], tuple[int, Any]] = {}
        self.requests: list[Written] = []
        tool = self

        class Handler(BaseHTTPRequestHandler):
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

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def answer(self, method: str, path: str, status: int = 200, body: Any = None) -> None:
        self.answers[(method, path)] = (status, body)

    def writes(self) -> list[Written]:
        return [r for r in self.requests if r.method != "GET"]
