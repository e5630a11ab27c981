"""Rows other apps keep per work item, and how a batch of work items defers them to its end.

Apps up the chain keep a row per work item (analytics: its flow instants, its value stream map
row) with statement-level triggers on the work item and transition tables, so every writer keeps
them without knowing of them. A sync page writes its items, then their history, then their flow
start: each statement's triggers would recompute the same new items again. Ingest instead turns
the triggers off for the rest of its transaction (``DEFER_SQL``, sent with its first read; the
triggers check ``DEFERRED_SETTING``, analytics.item_triggers) and recomputes the items it wrote
once, through the refresh functions the apps register here, which also turns the triggers back
on. The setting is local to the transaction, so a rollback (to a savepoint too) undoes it."""

from __future__ import annotations

from django.db import connection

DEFERRED_SETTING = "sluice.item_rows_deferred"


def _deferred_sql(value: str) -> str:
    return f"SELECT set_config('{DEFERRED_SETTING}', '{value}', true)"  # local to the transaction


DEFER_SQL = _deferred_sql("on")
_refresh_functions: list[str] = []


def item_rows_refresher(function: str) -> None:
    """Register the SQL function (taking the items' ids as ``bigint[]``) that recomputes an app's
    rows of those items; they run in the order registered."""
    if function not in _refresh_functions:
        _refresh_functions.append(function)


def item_rows_refresh(item_ids: list[int]) -> None:
    """End this transaction's deferral and recompute every registered row of ``item_ids``: one
    round trip."""
    statements = [_deferred_sql("")]
    if item_ids:
        statements += [f"SELECT {function}(%(ids)s::bigint[])" for function in _refresh_functions]
    with connection.cursor() as cursor:
        cursor.execute("; ".join(statements), {"ids": item_ids})
