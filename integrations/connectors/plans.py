"""What a pull sync of each kind of connection reads: its streams, built from the connection's
``options`` and the pull clients of ``integrations.connectors``.

Every stream has a cursor key of its own in ``Connection.cursors`` (``<stream>:<target>``, or
the stream name when a connection pulls one target), so adding a repository later starts that
repository from the beginning without disturbing the others.

Options per kind (validated by :func:`options_validate`, each error naming ``options.<key>``):

===========  =====================================================================================
github       ``repositories`` (``owner/name`` list), ``streams`` (subset of deployments,
             workflow_runs, pull_requests, commits)
gitlab       ``projects`` (``group/project`` paths), ``streams`` (deployments, pipelines,
             merge_requests, commits)
jira         ``jql``, ``api`` (``v2`` Server/Data Center, ``cloud``), ``time_zone`` (the account's),
             ``writeback_transition`` (a transition name for write-back)
servicenow   ``tables`` (incident, change_request), ``query`` (an encoded query),
             ``writeback_resolve`` (bool), ``resolve_close_code``
jenkins      ``jobs`` (job paths, folders with ``/``), ``with_stages`` (bool)
generic      push only
===========  =====================================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.connectors import PULL_CLIENTS
from integrations.connectors.http import Credentials, Page
from integrations.mapping import Mapping
from vsm.errors import InvalidInput

DEFAULT_BASE_URLS = {"github": "https://api.github.com", "gitlab": "https://gitlab.com"}
# kind -> (option naming the targets, {stream: client method})
_STREAMS: dict[str, tuple[str | None, dict[str, str]]] = {
    "github": ("repositories", {"deployments": "deployment_pages", "workflow_runs": "workflow_run_pages",
                                "pull_requests": "pull_request_pages", "commits": "commit_pages"}),
    "gitlab": ("projects", {"deployments": "deployment_pages", "pipelines": "pipeline_pages",
                            "merge_requests": "merge_request_pages", "commits": "commit_pages"}),
    "jira": (None, {"issues": "issue_pages"}),
    "servicenow": ("tables", {"records": "record_pages"}),
    "jenkins": ("jobs", {"builds": "build_pages"}),
}
_TABLES = ("incident", "change_request")


@dataclass(frozen=True)
class Stream:
    """One resumable list to pull: ``pages(saved_cursor)`` yields Pages; ``close`` ends its HTTP
    client."""

    key: str
    pages: Callable[[dict[str, Any] | None], Iterator[Page]]
    close: Callable[[], None]


def _strings(options: dict[str, Any], key: str, errors: dict[str, list[str]]) -> list[str]:
    value = options.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors[f"options.{key}"] = ["must be a list of non-empty names"]
        return []
    return [v.strip() for v in value]


def options_validate(kind: str, options: Any) -> dict[str, Any]:
    """The options of a connection of ``kind``, checked; InvalidInput names each bad key."""
    if not isinstance(options, dict):
        raise InvalidInput.field("options", "options must be a JSON object")
    errors: dict[str, list[str]] = {}
    targets_option, streams = _STREAMS.get(kind, (None, {}))
    if targets_option:
        targets = _strings(options, targets_option, errors)
        if kind == "servicenow" and (unknown := set(targets) - set(_TABLES)):
            errors["options.tables"] = [f"unknown table {sorted(unknown)[0]!r}; Sluice reads {', '.join(_TABLES)}"]
    if "streams" in options and (unknown := set(_strings(options, "streams", errors)) - set(streams)):
        errors["options.streams"] = [f"unknown stream {sorted(unknown)[0]!r}; known: {', '.join(streams)}"]
    for key in ("jql", "query", "writeback_transition", "resolve_close_code"):
        if key in options and not isinstance(options[key], str):
            errors[f"options.{key}"] = ["must be text"]
    for key in ("with_stages", "writeback_resolve"):
        if key in options and not isinstance(options[key], bool):
            errors[f"options.{key}"] = ["must be true or false"]
    if "api" in options and options["api"] not in ("v2", "cloud"):
        errors["options.api"] = ["must be v2 (Server/Data Center) or cloud"]
    if "time_zone" in options:
        try:
            ZoneInfo(str(options["time_zone"]))
        except (ZoneInfoNotFoundError, ValueError):
            errors["options.time_zone"] = [f"{options['time_zone']!r} is not a time zone name"]
    if errors:
        first, (message,) = next(iter(errors.items()))
        raise InvalidInput(f"{first}: {message}", fields=errors)
    return options


def base_url_of(kind: str, base_url: str) -> str:
    return (base_url or DEFAULT_BASE_URLS.get(kind, "")).rstrip("/")


def pulls(kind: str) -> bool:
    return kind in PULL_CLIENTS


def streams_of(*, kind: str, base_url: str, options: dict[str, Any], credentials: Credentials,
               mapping: Mapping, **client_options: Any) -> list[Stream]:
    """The streams a sync of this connection reads, in order. Raises InvalidInput when the
    connection cannot pull (a push-only kind, no API root, nothing selected to pull)."""
    if not pulls(kind):
        raise InvalidInput.field("kind", "this kind of connection only receives webhooks; there is nothing to pull")
    root = base_url_of(kind, base_url)
    if not root:
        raise InvalidInput.field("base_url", "give the API root of the source to pull from it")
    client_class = PULL_CLIENTS[kind]
    common = {"base_url": root, "credentials": credentials, "mapping": mapping, **client_options}
    targets_option, methods = _STREAMS[kind]
    wanted = [name for name in methods if name in options.get("streams", methods)]
    if kind == "jira":
        client = client_class(jql=options.get("jql", ""), api=options.get("api", "v2"),
                              time_zone=options.get("time_zone", "UTC"), **common)
        return [Stream("issues", client.issue_pages, client.http.close)]
    targets = options.get(targets_option) or (list(_TABLES) if kind == "servicenow" else [])
    if not targets:
        raise InvalidInput.field(f"options.{targets_option}", f"name at least one of the {targets_option} to pull")
    streams = []
    for target in targets:
        if kind == "github":
            client = client_class(repo=target, **common)
        elif kind == "gitlab":
            client = client_class(project=target, **common)
        elif kind == "servicenow":
            client = client_class(table=target, query=options.get("query", ""), **common)
        else:
            client = client_class(job=target, with_stages=options.get("with_stages", False), **common)
        for name in wanted:
            key = target if kind == "servicenow" else f"{name}:{target}"
            streams.append(Stream(key, getattr(client, methods[name]), client.http.close))
    return streams
