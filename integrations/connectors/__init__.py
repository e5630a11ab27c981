"""Connectors: from each source's payloads to the records in ``integrations.normalized``.

Pure Python plus httpx: nothing here touches the database, so the sync layer and the webhook
endpoint decide what is stored, in which transaction. A webhook delivery goes:

    module = WEBHOOKS[connection.kind]
    module.verify_webhook(headers, raw_body, secret, query)     # SignatureError -> 401
    body = parse_json_body(raw_body, content_type)               # PayloadError -> its .status
    parsed = module.parse_webhook(module.event_name(headers, body), headers, body, mapping=mapping)
    # parsed.records to upsert, or parsed.ignored: why nothing was (a 2xx "ignored")

A pull goes ``for records, cursor in PULL_CLIENTS[kind](...).<kind>_pages(saved_cursor)``,
saving ``cursor`` in the transaction that upserts ``records``.
"""

from __future__ import annotations

from types import ModuleType

from integrations.connectors import generic, github, gitlab, jenkins, jira, servicenow
from integrations.connectors.base import PayloadError, SignatureError, parse_json_body

# Kinds whose connections receive webhooks. Jenkins has none of its own (see jenkins.py).
WEBHOOKS: dict[str, ModuleType] = {
    "github": github, "gitlab": gitlab, "jira": jira, "servicenow": servicenow, "generic": generic,
}

PULL_CLIENTS: dict[str, type] = {
    "github": github.Client, "gitlab": gitlab.Client, "jira": jira.Client, "servicenow": servicenow.Client,
    "jenkins": jenkins.Client,
}

__all__ = ["PULL_CLIENTS", "WEBHOOKS", "PayloadError", "SignatureError", "parse_json_body"]
