"""Support of the sync, write-back and page tests: each pull source served from the published
fixtures by the local replay server (the emulators of the connector tests), and a local REST
server that records writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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


