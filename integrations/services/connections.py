"""Connections: create, change, archive, and ask for a sync.

Secrets are write-only. A service takes a new webhook secret or new credentials and stores them
encrypted; nothing returns them again, except a webhook secret Sluice generates, which the
created (or regenerated) connection carries once in ``revealed_webhook_secret`` for the page or
the API answer to show. The audit trail never holds them (vsm.audit.services.SECRET_FIELDS and
the ``*_encrypted`` columns are left out of snapshots); it says that they were replaced.
"""

from __future__ import annotations

import secrets as random_secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction

from integrations.connectors import WEBHOOKS
from integrations.connectors.credentials import credentials_text
from integrations.connectors.plans import base_url_of, options_validate, pulls
from integrations.connectors.probe import probe
from integrations.mapping import Mapping
from integrations.models import Connection, ConnectionKind, SyncRun
from integrations.services.mapping_reapply import mapping_reapply
from vsm import outbound
from vsm.audit.services import audit_record, snapshot
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.nul import nul_at
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import require_org_id
from vsm.tenancy.roles import Perm
from vsm.tenancy.tasks import enqueue

MAX_INTERVAL_MINUTES = 7 * 24 * 60
_SETTINGS = ("name", "base_url", "options", "mapping", "sync_enabled", "sync_interval_minutes", "writeback_enabled")


def _require(actor: Actor | None) -> None:
    if actor is not None and not actor.has(Perm.MANAGE_CONNECTIONS):
        raise PermissionRefused("Your role may not manage connections.")


def _generated_secret() -> str:
    return random_secrets.token_urlsafe(32)


def _checked(kind: str, values: dict[str, Any]) -> dict[str, Any]:
    """Values of the settings in ``values``, validated for a connection of ``kind``."""
    for name in ("options", "mapping"):
        if nul_at(values.get(name), name):
            raise InvalidInput.field(name, f"{name} must not contain a NUL character (\\u0000).")
    if values.get("base_url"):
        values["base_url"] = _checked_base_url(values["base_url"])
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise InvalidInput.field("name", "Give the connection a name.")
    if "options" in values:
        values["options"] = options_validate(kind, values["options"] or {})
    if "mapping" in values:
        values["mapping"] = Mapping.from_overrides(values["mapping"] or {}).overrides
    interval = values.get("sync_interval_minutes")
    if interval is not None and not 1 <= interval <= MAX_INTERVAL_MINUTES:
        raise InvalidInput.field("sync_interval_minutes", f"Sync every 1 to {MAX_INTERVAL_MINUTES} minutes.")
    if values.get("sync_enabled") and not pulls(kind):
        raise InvalidInput.field("sync_enabled", "This kind of connection only receives webhooks; it cannot pull.")
    return values


def _checked_base_url(base_url: str) -> str:
    base_url = base_url.strip()
    try:
        URLValidator(schemes=["http", "https"])(base_url)
    except ValidationError:
        raise InvalidInput.field("base_url", "Give the API root as an https:// URL.") from None
    if refusal := outbound.scheme_refusal(base_url):
        raise InvalidInput.field("base_url", refusal)
    return base_url


def _moves_credentials(connection: Connection, base_url: str) -> bool:
    """Whether the stored credentials would now be sent to another scheme, host or port (an
    emptied API root sends them nowhere; the next one set must come with credentials again)."""
    def origin(url: str):
        root = base_url_of(connection.kind, url)
        return outbound.origin(root) if root else None

    new = origin(base_url)
    return connection.has_credentials and new is not None and new != origin(connection.base_url)


def _save(connection: Connection, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            connection.save(update_fields=fields)
    except IntegrityError:
        raise Conflict(f"A connection named {connection.name!r} exists already.",
                       fields={"name": ["This name is taken."]}) from None


@transaction.atomic
def connection_create(*, actor: Actor, kind: str, name: str, base_url: str = "", webhook_secret: str | None = None,
                      credentials: str | dict | None = None, options: dict | None = None,
                      mapping: dict | None = None, sync_enabled: bool = False, sync_interval_minutes: int = 15,
                      writeback_enabled: bool = False) -> Connection:
    """A new connection. A kind that receives webhooks and was given no secret gets a generated
    one, revealed once on the returned instance."""
    _require(actor)
    if kind not in ConnectionKind.values:
        raise InvalidInput.field("kind", f"kind must be one of {', '.join(ConnectionKind.values)}")
    values = _checked(kind, {"name": name, "base_url": base_url, "options": options, "mapping": mapping,
                             "sync_enabled": sync_enabled, "sync_interval_minutes": sync_interval_minutes})
    connection = Connection(kind=kind, writeback_enabled=writeback_enabled, **values)
    revealed = None
    if webhook_secret:
        connection.webhook_secret = webhook_secret
    elif kind in WEBHOOKS:
        revealed = connection.webhook_secret = _generated_secret()
    if credentials:
        connection.credentials = credentials_text(credentials)
    _save(connection)
    audit_record(actor=actor, action="connection.created", instance=connection, after=snapshot(connection),
                 message="secrets set: " + (", ".join(_secrets_set(connection)) or "none"))
    connection.revealed_webhook_secret = revealed
    return connection


def _secrets_set(connection: Connection) -> list[str]:
    return [name for name, present in (("webhook secret", connection.has_webhook_secret),
                                        ("credentials", connection.has_credentials)) if present]


@transaction.atomic
def connection_update(*, actor: Actor, connection: Connection, webhook_secret: str | None = None,
                      credentials: str | dict | None = None, regenerate_webhook_secret: bool = False,
                      **changes: Any) -> Connection:
    """Change the settings named in ``changes`` (any of name, base_url, options, mapping,
    sync_enabled, sync_interval_minutes, writeback_enabled). A secret left None is kept; an empty
    one is removed. A changed mapping is re-applied to the connection's stored records.

    Stored credentials are bound to the API root's scheme, host and port: a ``base_url`` that
    changes any of them must come with ``credentials`` (new ones, or the same ones typed again),
    so whoever may edit a connection cannot send its token to an address of their choosing."""
    _require(actor)
    if unknown := set(changes) - set(_SETTINGS):
        raise InvalidInput(f"unknown settings: {', '.join(sorted(unknown))}")
    if not connection.is_active:
        raise Conflict("This connection is archived; it cannot be changed.")
    values = _checked(connection.kind, dict(changes))
    if "base_url" in values and credentials is None and _moves_credentials(connection, values["base_url"]):
        raise InvalidInput.field("credentials", "The API root moves to another scheme, host or port: enter "
                                                "the credentials again with it (the stored ones stay bound to the "
                                                "old address).")
    before = snapshot(connection)
    for field, value in values.items():
        setattr(connection, field, value)
    replaced = []
    if regenerate_webhook_secret:
        connection.revealed_webhook_secret = connection.webhook_secret = _generated_secret()
        replaced.append("webhook secret regenerated")
    elif webhook_secret is not None:
        connection.webhook_secret_encrypted = ""
        if webhook_secret:
            connection.webhook_secret = webhook_secret
        replaced.append("webhook secret replaced" if webhook_secret else "webhook secret removed")
    if credentials is not None:
        text = credentials_text(credentials)
        connection.credentials_encrypted = ""
        if text:
            connection.credentials = text
        replaced.append("credentials replaced" if text else "credentials removed")
    _save(connection, [*values, "webhook_secret_encrypted", "credentials_encrypted"])
    after = snapshot(connection)
    if before != after or replaced:
        audit_record(actor=actor, action="connection.updated", instance=connection, before=before, after=after,
                     message="; ".join(replaced))
    if "mapping" in values and before.get("mapping") != after.get("mapping"):
        mapping_reapply(connection=connection)
    return connection


@transaction.atomic
def connection_archive(*, actor: Actor, connection: Connection) -> Connection:
    """Stop a connection: no more syncs or webhooks. Its records stay, still pointing at it."""
    _require(actor)
    if not connection.is_active:
        return connection
    connection.is_active = connection.sync_enabled = connection.writeback_enabled = False
    connection.save(update_fields=["is_active", "sync_enabled", "writeback_enabled"])
    audit_record(actor=actor, action="connection.archived", instance=connection,
                 before={"is_active": True}, after={"is_active": False})
    return connection


@transaction.atomic
def connection_sync_request(*, connection: Connection, actor: Actor | None,
                            trigger: str = SyncRun.Trigger.MANUAL) -> SyncRun:
    """Queue a pull of ``connection`` ("sync now" from a person, or the schedule with no actor)."""
    _require(actor)
    if not connection.is_active:
        raise Conflict("This connection is archived; it cannot sync.")
    if not pulls(connection.kind):
        raise InvalidInput.field("kind", f"{connection.get_kind_display()} connections only receive webhooks.")
    run = SyncRun.objects.create(connection=connection, trigger=trigger,
                                 requested_by=actor.user if actor is not None else None)
    if actor is not None:
        audit_record(actor=actor, action="connection.sync_requested", instance=connection,
                     after={"sync_run": run.pk})
    from integrations.sync import tasks  # here, not at the top: the sync's modules import the services

    enqueue(tasks.connection_sync, org_id=require_org_id(), connection_id=connection.pk, sync_run_id=run.pk)
    return run


@dataclass(frozen=True)
class ProbeAnswer:
    ok: bool
    message: str


def connection_test(*, actor: Actor, connection: Connection, **http_options: Any) -> ProbeAnswer:
    """Whether the source answers with these credentials (a read; nothing is stored)."""
    _require(actor)
    ok, message = probe(connection, **http_options)
    return ProbeAnswer(ok, message)
