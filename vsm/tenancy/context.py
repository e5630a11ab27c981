"""The tenant context: the single way code gets to see one organization's rows.

`tenant_context(org)` sets a ContextVar, read by the scoped managers when SQL is compiled and by
vsm.tenancy.transaction_settings, which sets the PostgreSQL setting `sluice.org_id` (read by the
row-level security policies) inside every transaction that runs in the context. Every entry
point (page view, API view, task, webhook, management command) goes through it.

The same entry points bound how long one statement may run: `tenant_context(org,
statement_timeout_ms=...)` sets PostgreSQL's `statement_timeout` with `sluice.org_id` (requests
pass DATABASE_STATEMENT_TIMEOUT_MS, tasks TASK_STATEMENT_TIMEOUT_MS; without it the surrounding
bound stays, and outside any the server's default applies). `statement_timed_out(exc)` tells a
statement PostgreSQL cancelled from any other database error.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import DatabaseError

if TYPE_CHECKING:
    from vsm.tenancy.models import Organization

logger = logging.getLogger(__name__)

_current_org_id: ContextVar[int | None] = ContextVar("sluice_org_id", default=None)
_cross_tenant_reason: ContextVar[str | None] = ContextVar("sluice_cross_tenant_reason", default=None)
# None: the server's own statement_timeout (what the role or database configures, else none).
_statement_timeout_ms: ContextVar[int | None] = ContextVar("sluice_statement_timeout_ms", default=None)

ORG_SETTING = "sluice.org_id"
CROSS_TENANT_SETTING = "sluice.cross_tenant"
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for a statement cancelled (by its timeout, mostly)


class TenantContextMissing(RuntimeError):
    """Tenant-owned rows were queried outside tenant_context(): a bug, never a user error."""


class TenantMismatch(RuntimeError):
    """A row of one organization was about to be written inside another organization's context."""


def current_org_id() -> int | None:
    return _current_org_id.get()


def require_org_id() -> int:
    org_id = _current_org_id.get()
    if org_id is None:
        raise TenantContextMissing(
            "tenant-scoped data was queried outside tenant_context(); "
            "use tenant_context(org) or Model.cross_tenant_objects inside cross_tenant(reason=...)"
        )
    return org_id


def cross_tenant_reason() -> str | None:
    return _cross_tenant_reason.get()


def statement_timed_out(exc: BaseException) -> bool:
    """Whether `exc` is a database error for a statement PostgreSQL cancelled."""
    cause = exc if isinstance(exc, DatabaseError) else None
    while cause is not None and not hasattr(cause, "pgcode"):
        cause = cause.__cause__
    return getattr(cause, "pgcode", None) == QUERY_CANCELED


def wanted_settings() -> tuple[int | None, bool, int | None]:
    """(organization, cross-tenant reads allowed, statement timeout) the current context asks the
    database for; vsm.tenancy.transaction_settings applies them to each transaction."""
    return _current_org_id.get(), bool(_cross_tenant_reason.get()), _statement_timeout_ms.get()


@contextmanager
def tenant_context(org: Organization | int, *, statement_timeout_ms: int | None = None) -> Iterator[None]:
    """Run the block as organization `org`; restores the previous context on exit. With
    `statement_timeout_ms` (0: none), PostgreSQL cancels any statement of the block that runs
    longer; without it the surrounding bound stays."""
    org_id = org if isinstance(org, int) else org.pk
    if org_id is None:
        raise ValueError("tenant_context() needs a saved organization")
    token = _current_org_id.set(org_id)
    timeout_token = None if statement_timeout_ms is None else _statement_timeout_ms.set(statement_timeout_ms)
    try:
        yield
    finally:
        _current_org_id.reset(token)
        if timeout_token is not None:
            _statement_timeout_ms.reset(timeout_token)


def request_context(org: Organization | int) -> AbstractContextManager[None]:
    """tenant_context for a request (page, API, webhook, feed): statements bounded by
    DATABASE_STATEMENT_TIMEOUT_MS."""
    return tenant_context(org, statement_timeout_ms=settings.DATABASE_STATEMENT_TIMEOUT_MS)


def task_context(org: Organization | int) -> AbstractContextManager[None]:
    """tenant_context for a task: statements bounded by the longer TASK_STATEMENT_TIMEOUT_MS."""
    return tenant_context(org, statement_timeout_ms=settings.TASK_STATEMENT_TIMEOUT_MS)


@contextmanager
def cross_tenant(*, reason: str) -> Iterator[None]:
    """Allow reads across organizations through `cross_tenant_objects`, with a reason that is
    logged: the org switcher, an invitation link, operator commands, the isolation tests."""
    if not reason or not reason.strip():
        raise ValueError("cross_tenant() needs a reason")
    logger.info("cross-tenant access", extra={"reason": reason})
    token = _cross_tenant_reason.set(reason)
    try:
        yield
    finally:
        _cross_tenant_reason.reset(token)
