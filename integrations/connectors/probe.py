"""'Test connection': one cheap authenticated read per pull target, without retries, saying in a
sentence what worked or what did not (never a credential)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from integrations.connectors import WEBHOOKS, PayloadError
from integrations.connectors.credentials import credentials_of
from integrations.connectors.http import ConnectorHTTPError, HttpClient, redact
from integrations.connectors.plans import base_url_of, pulls
from integrations.models import Connection


def _paths(connection: Connection) -> list[tuple[str, dict[str, Any]]]:
    options = connection.options
    if connection.kind == "github":
        return [(f"/repos/{repo}", {}) for repo in options.get("repositories", [])] or [("/rate_limit", {})]
    if connection.kind == "gitlab":
        return [(f"/api/v4/projects/{quote(p, safe='')}", {}) for p in options.get("projects", [])] or [
            ("/api/v4/user", {})]
    if connection.kind == "jira":
        return [("/rest/api/2/myself", {})]
    if connection.kind == "servicenow":
        # The pull's own parameters, so the probe also tells whether the query form is accepted.
        return [(f"/api/now/table/{table}", {"sysparm_limit": 1, "sysparm_display_value": "all",
                                             "sysparm_query": "ORDERBYsys_updated_on^ORDERBYsys_id"})
                for table in options.get("tables") or ["incident", "change_request"]]
    return [("".join(f"/job/{quote(part)}" for part in job.split("/")) + "/api/json", {"tree": "name"})
            for job in options.get("jobs", [])] or [("/api/json", {"tree": "mode"})]


def probe(connection: Connection, **http_options: Any) -> tuple[bool, str]:
    if not pulls(connection.kind):
        if connection.kind in WEBHOOKS and connection.has_webhook_secret:
            return True, "This connection receives webhooks only; its secret is set. Send a test delivery."
        return False, "This connection receives webhooks only, and has no webhook secret yet."
    root = base_url_of(connection.kind, connection.base_url)
    if not root:
        return False, "Give the API root of the source first."
    credentials = credentials_of(connection.credentials)
    headers = ({"PRIVATE-TOKEN": credentials.token} if connection.kind == "gitlab" and credentials.token
               else credentials.authorization())
    http = HttpClient(root, headers=headers, secrets=credentials.secrets(), **{"max_attempts": 1, **http_options})
    checked = []
    try:
        for path, params in _paths(connection):
            http.get_json(path, params)
            checked.append(path)
    except (ConnectorHTTPError, PayloadError) as exc:
        return False, redact(getattr(exc, "message", None) or str(exc), credentials.secrets())
    finally:
        http.close()
    return True, f"{root} answered {len(checked)} request{'s' if len(checked) != 1 else ''} with these credentials."
