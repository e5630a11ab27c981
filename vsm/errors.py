"""Domain errors raised by services; pages and the API turn them into 400/403/404/409."""

from __future__ import annotations

from typing import Any, TypeVar

from django.http import Http404


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.details = details


class InvalidInput(DomainError):
    """Input that parses but breaks a rule; `fields` names the offending fields."""

    @classmethod
    def field(cls, name: str, message: str, **details: Any) -> InvalidInput:
        return cls(message, fields={name: [message]}, **details)


class PermissionRefused(DomainError):
    status = 403
    code = "permission_denied"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request collides with existing state; `details` say with what."""

    status = 409
    code = "conflict"


class StatementTimedOut(DomainError):
    """PostgreSQL cancelled a statement that ran past the statement timeout (DATABASE_STATEMENT_TIMEOUT_MS)."""

    status = 503
    code = "query_timeout"

    def __init__(self, message: str = "The query took too long; narrow the window or the scope and try again.",
                 **kwargs: Any):
        super().__init__(message, **kwargs)


T = TypeVar("T")


def found(row: T | None, what: str) -> T:
    """``row``, or the 404 "No such <what>." that pages and the API answer for a row a selector
    did not find (in this organization or at all: the two are not told apart)."""
    if row is None:
        raise Http404(f"No such {what}.")
    return row
