"""Indexes that cost writes only where they serve reads.

A nullable reference most rows leave empty (a deployment's release, its rollback target) still
needs an index for the rows that have one: the reference's pages list them, and deleting the
referenced row looks them up (SET_NULL, PROTECT). Indexed only where it is set, a row without one
writes no index entry: the CI posts and syncs that write most rows pay nothing for it."""

from __future__ import annotations

from django.db import models


def set_reference_index(field: str, *, name: str) -> models.Index:
    """The index on ``field`` (a nullable foreign key declared with ``db_index=False``) over the
    rows where it is set. A lookup by a value (``field=x``, ``field__in=[...]``) implies that, so
    PostgreSQL uses it for every query the full index served except ``field__isnull=True``."""
    return models.Index(fields=[field], condition=models.Q(**{f"{field}__isnull": False}), name=name)
