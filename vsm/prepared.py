"""Statements PostgreSQL plans once per connection instead of on every execution.

For a wide statement on a hot path (the deployment check's facts) planning costs several times
what executing it does. `PreparedStatement` issues `PREPARE` the first time a database
connection runs it and `EXECUTE` from then on; a new connection (after a reconnect) prepares it
again. Prepared statements live as long as the server session, so they need a direct connection
or a pooler in session mode: behind a pooler in transaction mode, set
DATABASE_PREPARED_STATEMENTS=false and the statement is sent whole each time.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Model

_PARAM = re.compile(r"%\((\w+)\)s")


class PreparedStatement:
    """`sql` with named parameters (`%(name)s`), executed through Django's cursor (so it is
    logged and counted like any query)."""

    def __init__(self, label: str, sql: str):
        self.sql = sql
        self.names: list[str] = []
        body = _PARAM.sub(self._placeholder, sql)
        self.name = f"{label}_{hashlib.sha1(body.encode()).hexdigest()[:12]}"
        self.prepare = f"PREPARE {self.name} AS {body}"
        self.execute_sql = f"EXECUTE {self.name}({', '.join(['%s'] * len(self.names))})" if self.names \
            else f"EXECUTE {self.name}"

    def _placeholder(self, match: re.Match) -> str:
        if match.group(1) not in self.names:
            self.names.append(match.group(1))
        return f"${self.names.index(match.group(1)) + 1}"

    def execute(self, cursor, params: Mapping[str, Any]) -> None:
        if not settings.DATABASE_PREPARED_STATEMENTS:
            cursor.execute(self.sql, params)
            return
        # Per database wrapper (one per thread), keyed by the driver's connection object: a
        # reconnect brings a session without it.
        db = cursor.db
        prepared_on = db.__dict__.setdefault("prepared_statements", {})
        if prepared_on.get(self.name) is not db.connection:
            cursor.execute(self.prepare)
            prepared_on[self.name] = db.connection
        cursor.execute(self.execute_sql, [params[name] for name in self.names])


class PreparedInsert:
    """One row of a tenant-scoped `model` written through a prepared INSERT, for a row written on every request
    of a hot path. Defaults and the tenant stamp apply as in `save()`; signals are not sent."""

    def __init__(self, model: type[Model], label: str):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(f'"{f.column}"' for f in self.fields)
        values = ", ".join(f"%({f.attname})s" for f in self.fields)
        self.statement = PreparedStatement(label, f'INSERT INTO "{model._meta.db_table}" ({columns}) '
                                                  f'VALUES ({values}) RETURNING "{model._meta.pk.column}"')

    def insert(self, **values: Any) -> Model:
        row = self.model(**values)
        row.stamp_organization()
        with connection.cursor() as cursor:
            params = {f.attname: f.get_db_prep_save(f.pre_save(row, True), cursor.db) for f in self.fields}
            self.statement.execute(cursor, params)
            row.pk = cursor.fetchone()[0]
        row._state.adding, row._state.db = False, cursor.db.alias
        return row
