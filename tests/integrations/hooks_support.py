"""Signed webhook posts for the receiver tests, as each source sends them."""

from __future__ import annotations

import json
import uuid

from integrations.connectors.base import hmac_sha256_hex

SECRET = "hook-secret"
GITLAB_EVENTS = {"deployment": "Deployment Hook", "pipeline": "Pipeline Hook", "job": "Job Hook",
                 "merge_request": "Merge Request Hook", "push": "Push Hook"}


def signed_headers(kind: str, name: str, raw: bytes, *, secret: str = SECRET) -> tuple[dict, str]:
    """Django test-client headers for a fixture file ``name`` of source ``kind``, and the query
    string (Jira Server carries its secret there)."""
    event = name.split(".", 1)[0]
    if kind == "github":
        return {"HTTP_X_GITHUB_EVENT": event, "HTTP_X_GITHUB_DELIVERY": str(uuid.uuid4()),
                "HTTP_X_HUB_SIGNATURE_256": "sha256=" + hmac_sha256_hex(secret, raw)}, ""
    if kind == "gitlab":
        return {"HTTP_X_GITLAB_EVENT": GITLAB_EVENTS.get(event, event), "HTTP_X_GITLAB_TOKEN": secret}, ""
    if kind == "jira":
        return {}, f"?secret={secret}"
    if kind == "servicenow":
        return {"HTTP_X_SLUICE_TOKEN": secret, "HTTP_X_SLUICE_EVENT": event}, ""
    return {"HTTP_X_SLUICE_EVENT": event, "HTTP_X_SLUICE_SIGNATURE_256": "sha256=" + hmac_sha256_hex(secret, raw)}, ""


def post(client, connection, kind: str, name: str, raw: bytes, *, content_type: str = "application/json",
         secret: str = SECRET, **extra):
    headers, query = signed_headers(kind, name, raw, secret=secret)
    return client.post(f"/hooks/{connection.pk}/{query}", data=raw, content_type=content_type,
                       **{**headers, **extra})


def as_bytes(payload: dict) -> bytes:
    return json.dumps(payload).encode()
