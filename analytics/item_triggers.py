"""Statement-level triggers that keep a stored row per work item: after every statement that
writes work items or their transitions, whatever wrote it, one call of a refresh function with the
ids of the items the statement touched (transition tables; PostgreSQL allows them on
single-event triggers only, so one trigger per table and event)."""

from __future__ import annotations

from integrations.models import WorkItem, WorkItemTransition

ITEMS, TRANSITIONS = WorkItem._meta.db_table, WorkItemTransition._meta.db_table
# (table, event, which transition table holds the rows, the column with the work item's id)
_EVENTS = [(ITEMS, "INSERT", "NEW", "id"), (ITEMS, "UPDATE", "NEW", "id"),
           (TRANSITIONS, "INSERT", "NEW", "work_item_id"), (TRANSITIONS, "UPDATE", "NEW", "work_item_id"),
           (TRANSITIONS, "DELETE", "OLD", "work_item_id")]


def item_triggers(*, name: str, refresh: str) -> tuple[str, str]:
    """The SQL that installs and removes the triggers `<name>_<table>_<event>` calling
    `refresh(bigint[])`. A table's triggers for one event fire in name order."""
    functions = {column: f"{name}_{'items' if column == 'id' else 'transitions'}" for *_rest, column in _EVENTS}
    install = "".join(
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    PERFORM {refresh}(ARRAY(SELECT DISTINCT {column} FROM changed));\n    RETURN NULL;\nEND $$;\n"
        for column, function in functions.items()) + "".join(
        f"CREATE TRIGGER {_trigger(name, table, event)} AFTER {event} ON {table} "
        f"REFERENCING {side} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION {functions[column]}();\n"
        for table, event, side, column in _EVENTS)
    uninstall = "".join(f"DROP TRIGGER IF EXISTS {_trigger(name, table, event)} ON {table};\n"
                        for table, event, _side, _column in _EVENTS) + "".join(
        f"DROP FUNCTION IF EXISTS {function}();\n" for function in functions.values())
    return install, uninstall


def _trigger(name: str, table: str, event: str) -> str:
    return f"{name}_{table.removeprefix('integrations_')}_{event.lower()}"
