"""The tenant context's PostgreSQL settings, applied inside each transaction.

Row-level security reads `sluice.org_id` (and `sluice.cross_tenant`); the context also bounds
`statement_timeout`. They are set with `set_config(..., true)`, local to the transaction, never
to the session: behind a pooler in transaction mode (PgBouncer) consecutive transactions of one
client may run on different server connections, and one server connection serves many clients,
so a session setting would guard the wrong organization or none.

An execute wrapper on every connection (each alias, the replicas too) puts the setting into the
same round trip as the statement that needs it:
- outside a transaction (autocommit), a statement run in a context is sent as
  `SELECT set_config(...); <statement>`: PostgreSQL runs a multi-statement query as one implicit
  transaction, so the setting holds for the statement and ends with it;
- inside a transaction (atomic blocks, the tests' wrapping transaction), the first statement,
  and the first after the context changed, carry the same prefix; the setting then lasts until
  the transaction ends. A rollback to a savepoint may undo it, so the next statement sets it again.
The query log (connection.queries, CaptureQueriesContext) shows statements without the prefix, as
the code wrote them (vsm.tenancy.postgresql, the database backend that installs the wrapper).
A server-side cursor (`.iterator()`, sent as DECLARE) cannot carry a prefix; outside a
transaction it is run inside one of its own instead.
"""

from __future__ import annotations

from django.db import transaction
from psycopg2.extensions import TRANSACTION_STATUS_IDLE, TRANSACTION_STATUS_INTRANS

from vsm.tenancy.context import CROSS_TENANT_SETTING, ORG_SETTING, wanted_settings

_NOTHING = (None, False, None)
_PREFIX_START = f"SELECT set_config('{ORG_SETTING}', "
_PREFIX_END = " /* tenant settings */; "
# Per database wrapper (one per thread and alias): the settings the open transaction carries.
_APPLIED = "sluice_transaction_settings"


def settings_sql(wanted: tuple[int | None, bool, int | None], applied: tuple = _NOTHING) -> str:
    """The statement that applies `wanted` to the current transaction, where `applied` holds.
    Its values are integers and fixed words of ours, written as literals so the statement can
    precede any other, with or without parameters. No timeout: the role's or database's default,
    which a transaction has unless an earlier context of it set one (only then is the default read
    back, from pg_settings: about 2 ms, as the view lists every setting)."""
    org_id, cross, timeout = wanted
    org = "" if org_id is None else str(int(org_id))
    parts = [f"{_PREFIX_START}'{org}', true)", f"set_config('{CROSS_TENANT_SETTING}', '{'on' if cross else ''}', true)"]
    if timeout is not None:
        parts.append(f"set_config('statement_timeout', '{int(timeout)}', true)")
    elif applied is None or applied[2] is not None:  # None: unknown (after a rollback to a savepoint)
        parts.append("set_config('statement_timeout', "
                     "(SELECT reset_val FROM pg_settings WHERE name = 'statement_timeout'), true)")
    return ", ".join(parts) + _PREFIX_END


def apply_tenant_settings(execute, sql, params, many, context):
    db = context["connection"]
    cursor = context["cursor"].cursor
    wanted = wanted_settings()
    if db.get_autocommit():
        if wanted == _NOTHING:
            return execute(sql, params, many, context)
        if getattr(cursor, "name", None):
            with transaction.atomic(using=db.alias):
                return _in_transaction(execute, sql, params, many, context, db, cursor, wanted)
        return execute(f"{settings_sql(wanted)}{sql}", params, many, context)
    return _in_transaction(execute, sql, params, many, context, db, cursor, wanted)


def _in_transaction(execute, sql, params, many, context, db, cursor, wanted):
    statement = sql
    status = db.connection.get_transaction_status()
    applied = _NOTHING if status == TRANSACTION_STATUS_IDLE else db.__dict__.get(_APPLIED)
    if status in (TRANSACTION_STATUS_IDLE, TRANSACTION_STATUS_INTRANS) and applied != wanted:
        if getattr(cursor, "name", None):
            with db.connection.cursor() as plain:  # DECLARE cannot follow another statement
                plain.execute(settings_sql(wanted, applied))
        else:
            statement = f"{settings_sql(wanted, applied)}{sql}"
        db.__dict__[_APPLIED] = wanted
    result = execute(statement, params, many, context)
    if sql.lstrip().upper().startswith("ROLLBACK TO SAVEPOINT"):
        db.__dict__[_APPLIED] = None  # what the savepoint held, unknown here: set it again
    return result


def without_settings(sql: str) -> str:
    """`sql` as the code wrote it, without the prefix added here (for the query log)."""
    if sql.startswith(_PREFIX_START):
        return sql.split(_PREFIX_END, 1)[-1]
    return sql
