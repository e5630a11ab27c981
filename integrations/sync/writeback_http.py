"""Writes into a connected tool (Jira comments and transitions, ServiceNow work notes and
resolutions) over its REST API.

Unlike the pull clients these requests are not retried here: a POST repeated after a timeout may
have landed the first time, and a second comment is exactly what write-back must never do. A
failed write is recorded on its WritebackAction and tried again by the next write-back pass."""

from __future__ import annotations

from typing import Any

import httpx

from integrations.connectors.credentials import credentials_of
from integrations.connectors.http import AuthError, ConnectorHTTPError, redact
from integrations.connectors.plans import base_url_of
from integrations.models import Connection
from vsm import outbound


class ToolWriter:
    def __init__(self, connection: Connection):
        credentials = credentials_of(connection.credentials)
        self._secrets = credentials.secrets()
        self._client = outbound.client(base_url=base_url_of(connection.kind, connection.base_url),
                                       headers={"Accept": "application/json", **credentials.authorization()})

    def close(self) -> None:
        self._client.close()

    def send(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The JSON answer of one request; ConnectorHTTPError (AuthError for 401/403), with a
        message free of credentials, when it fails."""
        target = f"{self._client.base_url}{path}"
        try:
            response = self._client.request(method, path, json=body)
        except outbound.OutboundRefused as exc:
            raise ConnectorHTTPError(redact(f"{method} {target}: refused: {exc}", self._secrets)) from None
        except httpx.HTTPError as exc:
            raise ConnectorHTTPError(redact(f"{method} {target}: {type(exc).__name__}", self._secrets)) from None
        if not response.is_success:
            detail = redact(f"{method} {target}: {outbound.status_text(response.status_code)}", self._secrets)
            error = AuthError if response.status_code in (401, 403) else ConnectorHTTPError
            raise error(detail, status=response.status_code)
        try:
            return response.json() if response.content else None
        except ValueError:
            return None
