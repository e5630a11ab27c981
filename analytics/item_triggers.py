"""Statement-level triggers that keep a stored row per work item (analytics.flow.store's flow
instants, analytics.streammap.items's map row): after every statement that writes work items or
their transitions, whatever wrote it, one call of a refresh function with the ids of the items
whose row the statement can have moved (transition tables; PostgreSQL allows them on
single-event triggers only, so one trigger per table and event). A narrower choice of ids per
event keeps the common writes cheap: a replayed sync page only records when it saw each item.
A batch that defers the rows to its end (integrations.item_rows: ingest) turns them off for its
transaction; it refreshes the items it wrote itself."""

from __future__ import annotations

from integrations.item_rows import DEFERRED_SETTING
from integrations.models import WorkItem, WorkItemTransition

ITEMS, TRANSITIONS = WorkItem._meta.db_table, WorkItemTransition._meta.db_table
# (table, event, the transition tables the trigger reads, the column with the work item's id)
_EVENTS = [(ITEMS, "INSERT", "NEW TABLE AS changed", "id"),
           (ITEMS, "UPDATE", "OLD TABLE AS before NEW TABLE AS changed", "id"),
           (TRANSITIONS, "INSERT", "NEW TABLE AS changed", "work_item_id"),
           (TRANSITIONS, "UPDATE", "NEW TABLE AS changed", "work_item_id"),
           (TRANSITIONS, "DELETE", "OLD TABLE AS changed", "work_item_id")]


def items_changed(columns: tuple[str, ...]) -> str:
    """For an UPDATE of work items: the ids of the items whose ``columns`` changed."""
    new, old = (", ".join(f"{alias}.{column}" for column in columns) for alias in ("n", "o"))
    return f"SELECT n.id FROM changed n JOIN before o ON o.id = n.id WHERE ({new}) IS DISTINCT FROM ({old})"


def item_triggers(*, name: str, refresh: str, narrower: dict[tuple[str, str], str] | None = None,
                  earlier_functions: tuple[str, ...] = ()) -> tuple[str, str]:
    """The SQL that installs and removes the triggers `<name>_<table>_<event>` (each with its own
    function of that name) calling `refresh(bigint[])`. ``narrower`` gives, per (table, event), the
    query of the ids to refresh instead of every id the statement wrote. ``earlier_functions`` are
    trigger functions of earlier versions, removed too. A table's triggers for one event fire in
    name order."""
    install, uninstall, functions = [], [], list(earlier_functions)
    for table, event, tables, column in _EVENTS:
        trigger = f"{name}_{table.removeprefix('integrations_')}_{event.lower()}"
        ids = (narrower or {}).get((table, event), f"SELECT {column} FROM changed")
        install.append(f"CREATE OR REPLACE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                       f"BEGIN\n    IF current_setting('{DEFERRED_SETTING}', true) = 'on' THEN\n        RETURN NULL;\n"
                       f"    END IF;\n"
                       f"    PERFORM {refresh}(ARRAY(SELECT DISTINCT id FROM ({ids}) AS ids(id)));\n"
                       f"    RETURN NULL;\nEND $$;\n"
                       f"CREATE TRIGGER {trigger} AFTER {event} ON {table} REFERENCING {tables} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {trigger}();\n")
        uninstall.append(f"DROP TRIGGER IF EXISTS {trigger} ON {table};\n")
        functions.append(trigger)
    uninstall += [f"DROP FUNCTION IF EXISTS {function}();\n" for function in functions]
    return "".join(install), "".join(uninstall)
