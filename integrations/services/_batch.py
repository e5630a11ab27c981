"""Batch upserts of ingested rows: a bounded number of queries per batch, safe under concurrency.

Two workers may ingest the same records at the same moment (a webhook and a sync, two webhook
retries). Each batch first takes a transaction-scoped PostgreSQL advisory lock per record key, in
sorted order so two batches never deadlock; the second worker then waits until the first commits
and reads what it wrote, so every key ends up as one row. The locks travel in the same round trip
as the read of the stored rows (``upsert(locks=...)``); ``lock`` alone is one query.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import orjson
from django.contrib.postgres.fields import ArrayField
from django.db import connection, models
from django.db.models.base import ModelState

from integrations.connectors.base import PayloadError
from vsm.prepared import PreparedStatement

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


_LOCK_SQL = "SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k"


def _lock_ids(keys: Iterable[str]) -> list[int]:
    return sorted({_lock_id(key) for key in keys})


def lock(keys: Iterable[str]) -> None:
    """Hold an advisory lock per key until the transaction ends (a hash collision only serializes
    two unrelated writes, which is harmless)."""
    ids = _lock_ids(keys)
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_SQL, [ids])


def known(**values: Any) -> dict[str, Any]:
    """The values a payload actually states. ``None`` and empty values mean "not said here", so
    they never overwrite what is stored; enums are stored as their text, tuples as lists."""
    result = {}
    for name, value in values.items():
        if value is None or value == "" or value == () or value == []:
            continue
        if isinstance(value, StrEnum):
            value = value.value
        elif isinstance(value, tuple):
            value = list(value)
        result[name] = value
    return result


def merge(rows: dict, key: Hashable, values: dict[str, Any]) -> None:
    """Two records of one key in a batch (a deployment and its status event): the later one's
    known values win, the earlier one's stay where the later one is silent."""
    rows[key] = {**rows.get(key, {}), **values}


@dataclass
class Written:
    obj: Any
    state: str
    before: dict[str, Any] = field(default_factory=dict)  # old values of the fields that changed

    def earliest(self, *names: str) -> datetime | None:
        """The earliest of these time fields, old or new: where derived data may have moved."""
        times = [getattr(self.obj, n) for n in names] + [self.before.get(n) for n in names]
        return min((t for t in times if t is not None), default=None)


def _misfit(field: models.Field, value: Any) -> str | None:
    """Why ``value`` cannot be stored in ``field`` (PostgreSQL would refuse it), else None."""
    if isinstance(value, str):
        if field.max_length and len(value) > field.max_length:
            return f"is longer than {field.max_length} characters"
    elif isinstance(value, int) and not isinstance(value, bool) and isinstance(field, models.IntegerField):
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if not (low is None or low <= value) or not (high is None or value <= high):
            return f"is out of range ({low} to {high})"
    elif isinstance(value, list) and isinstance(field, ArrayField):
        return next((problem for item in value if (problem := _misfit(field.base_field, item))), None)
    return None


@functools.cache
def _bounded(model: type[models.Model]) -> dict[str, models.Field]:
    """The fields a value can overflow (text with a length, integers, arrays of either), by name:
    a batch's check skips every other value without looking at it."""
    fields = {}
    for f in model._meta.concrete_fields:
        base = f.base_field if isinstance(f, ArrayField) else f
        if base.max_length or isinstance(base, models.IntegerField):
            fields[f.name] = fields[f.attname] = f
    return fields


def _check_fit(model: type[models.Model], key: Hashable, values: dict[str, Any]) -> None:
    """A record the columns cannot hold (a webhook or a sync may send anything) is refused by
    name, not left for the database to fail on."""
    bounded = _bounded(model)
    for name, value in values.items():
        field = bounded.get(name)
        if field is not None and (problem := _misfit(field, value)):
            raise PayloadError(f"{model._meta.verbose_name} {str(key)[:80]}: {name} {problem}", field=name)


def touched(item: Written) -> None:
    """A row whose own fields did not change but whose children or links did counts as updated."""
    if item.state == UNCHANGED:
        item.state = UPDATED


@functools.cache  # one text per model, scope and key: built once per process
def _stored_sql(model: type[models.Model], scope: tuple[tuple[str, bool], ...], key_fields: tuple[str, ...]) -> str:
    meta = model._meta
    columns = ", ".join(f'"{f.column}"' for f in meta.concrete_fields)
    conditions = [f'"{meta.get_field(name).column}" IS NULL' if is_null else f'"{meta.get_field(name).column}" = %s'
                  for name, is_null in scope]
    conditions += [f'"{meta.get_field(name).column}" = ANY(%s)' for name in key_fields]
    return f'SELECT {columns} FROM "{meta.db_table}" WHERE {" AND ".join(conditions)}'


def _stored(model: type[models.Model], scope: dict[str, Any], key_fields: tuple[str, ...], keys: list[tuple],
            locks: list[int], prelude: tuple[str, ...] = ()) -> list[models.Model]:
    """The stored rows of ``keys`` (possibly more: each key field is matched on its own), read
    in the same round trip as the advisory ``locks`` and the ``prelude`` statements (without
    parameters). The read still sees what a worker that held a lock committed: under READ
    COMMITTED each statement of a multi-statement query takes its own snapshot, after the one
    before it returned."""
    sql = _stored_sql(model, tuple((name, value is None) for name, value in scope.items()), key_fields)
    params = [value for value in scope.values() if value is not None]
    params += [sorted({key[i] for key in keys}) for i in range(len(key_fields))]
    if locks:
        sql, params = f"{_LOCK_SQL}; {sql}", [locks, *params]
    sql = "; ".join([*prelude, sql])
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    attnames = [f.attname for f in model._meta.concrete_fields]
    return [model.from_db(connection.alias, attnames, row) for row in rows]


@functools.cache
def _fields(model: type[models.Model]) -> tuple[list[models.Field], frozenset[str]]:
    fields = list(model._meta.concrete_fields)
    return fields, frozenset(f.attname for f in fields)


def _complete(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    """Every column attribute of a new row: ``values`` and the fields' defaults for the rest."""
    fields, _attnames = _fields(model)
    return {f.attname: values[f.attname] if f.attname in values else f.get_default() for f in fields}


def new_row(model: type[models.Model], values: dict[str, Any]) -> models.Model:
    """``model(**values)`` for values named by column attribute (``service_id``, not ``service``),
    with the attributes set directly: Model.__init__ runs each foreign key's descriptor, which
    costs more than the rest of preparing a batch's row. No model of an ingested record has
    init signals or computed attributes that this would skip."""
    if not values.keys() <= _fields(model)[1]:
        return model(**values)
    obj = model.__new__(model)
    obj._state = ModelState()
    obj.__dict__.update(_complete(model, values))
    return obj


def upsert(model: type[models.Model], *, scope: dict[str, Any], key_fields: tuple[str, ...],
           rows: dict[Hashable, dict[str, Any]], now: datetime, locks: Iterable[str] = (),
           on_create: dict[Hashable, dict[str, Any]] | None = None, prelude: tuple[str, ...] = ()
           ) -> dict[Hashable, Written]:
    """Insert or update ``rows`` (key -> known values) of ``model`` within ``scope``: one query to
    lock and read, one to insert, one to update. ``locks`` are the advisory lock keys the caller
    needs held first (taken in the same round trip as the read, after the ``prelude`` statements).
    ``on_create`` adds values written only when a row is new (where a row was first seen)."""
    if not rows:
        return {}
    as_tuple = (lambda k: k) if len(key_fields) > 1 else (lambda k: (k,))
    for key, values in rows.items():
        _check_fit(model, key, {**dict(zip(key_fields, as_tuple(key), strict=True)), **values,
                                **(on_create or {}).get(key, {})})
    stored = {}
    for obj in _stored(model, scope, key_fields, [as_tuple(k) for k in rows], _lock_ids(locks), prelude):
        key = tuple(getattr(obj, name) for name in key_fields)
        stored[key if len(key_fields) > 1 else key[0]] = obj
    written: dict[Hashable, Written] = {}
    fresh, seen, changed_fields = [], [], set()
    for key, values in rows.items():
        obj = stored.get(key)
        if obj is None:
            obj = new_row(model, {**scope, **dict(zip(key_fields, as_tuple(key), strict=True)), **values,
                              **(on_create or {}).get(key, {}), "first_seen_at": now, "last_seen_at": now})
            fresh.append(obj)
            written[key] = Written(obj, CREATED)
            continue
        before = {}
        for name, value in values.items():
            if getattr(obj, name) != value:
                before[name] = getattr(obj, name)
                setattr(obj, name, value)
        obj.last_seen_at = now
        seen.append(obj)
        changed_fields |= before.keys()
        written[key] = Written(obj, UPDATED if before else UNCHANGED, before)
    insert(model, fresh)
    update(model, seen, ["last_seen_at", *sorted(changed_fields)])
    return written


# Rows travel as one JSON document per statement, read back by jsonb_to_recordset: the statement
# text depends only on the columns, so it is prepared once per connection, and a batch costs no
# placeholder per value (the ORM's bulk insert compiles one per value when a model has an array
# column, and its bulk update a CASE per field).

def _recordset(fields: list[models.Field], *extra: str) -> str:
    columns = ", ".join([*(f'"{f.column}" {f.db_type(connection)}' for f in fields), *extra])
    return f"jsonb_to_recordset(%(rows)s::jsonb) AS r({columns})"


def _run(statement: PreparedStatement, rows: list[dict[str, Any]]):
    cursor = connection.cursor()
    # orjson writes datetimes with their offset and enums as their values, as PostgreSQL reads them.
    statement.execute(cursor, {"rows": orjson.dumps(rows).decode()})
    return cursor


@functools.cache  # the text depends on these only: built once per process, as it is prepared once per connection
def _insert_statement(model: type[models.Model], ignore_conflicts: bool) -> PreparedStatement:
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    names = ", ".join(f'"{f.column}"' for f in fields)
    source = _recordset(fields, '"_position" integer')
    return PreparedStatement("ingest_insert", (
        f'INSERT INTO "{model._meta.db_table}" ({names}) SELECT {names} FROM {source} ORDER BY r."_position" '
        + ("ON CONFLICT DO NOTHING" if ignore_conflicts else f'RETURNING "{model._meta.pk.column}"')))


@functools.cache
def _update_statement(model: type[models.Model], names: tuple[str, ...]) -> PreparedStatement:
    pk = model._meta.pk
    fields = [model._meta.get_field(name) for name in names]
    assignments = ", ".join(f'"{f.column}" = r."{f.column}"' for f in fields)
    table = model._meta.db_table
    return PreparedStatement("ingest_update", f'UPDATE "{table}" SET {assignments} FROM {_recordset([pk, *fields])}'
                                              f' WHERE "{table}"."{pk.column}" = r."{pk.column}"')


def insert(model: type[models.Model], objs: list[models.Model], *, ignore_conflicts: bool = False) -> None:
    """``bulk_create`` of new ``objs`` in one statement; their primary keys are set (not with
    ``ignore_conflicts``, where a row already stored is left as it is)."""
    if not objs:
        return
    fields = _fields(model)[0]
    for obj in objs:
        obj.stamp_organization()
    # The values as the object holds them: JSON carries them as they are (no field of an
    # ingested model computes its value on save), and PostgreSQL casts them to the columns.
    ids = _insert(model, [{f.attname: getattr(obj, f.attname) for f in fields} for obj in objs], ignore_conflicts)
    if not ignore_conflicts:
        for obj, pk_value in zip(objs, ids, strict=True):
            obj.pk = pk_value
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]], *, ignore_conflicts: bool = False
                ) -> list[int]:
    """Insert new rows given as values by column attribute (defaults fill the rest) in one
    statement, for rows nobody reads back as objects (a work item's history); the new primary
    keys in order (none with ``ignore_conflicts``). The rows carry the context's organization,
    which row-level security checks."""
    return _insert(model, [_complete(model, values) for values in rows], ignore_conflicts)


def _insert(model: type[models.Model], rows: list[dict[str, Any]], ignore_conflicts: bool) -> list[int]:
    """The insert statement over ``rows``, each holding every column attribute."""
    if not rows:
        return []
    columns = [(f.column, f.attname) for f in _fields(model)[0] if not f.primary_key]
    payload = [{**{column: row[attname] for column, attname in columns}, "_position": position}
               for position, row in enumerate(rows)]
    with _run(_insert_statement(model, ignore_conflicts), payload) as cursor:
        return [] if ignore_conflicts else [pk_value for (pk_value,) in cursor.fetchall()]


def update(model: type[models.Model], objs: list[models.Model], names: list[str]) -> None:
    """``bulk_update`` of fields ``names`` of stored ``objs`` in one statement."""
    if not objs:
        return
    pk = model._meta.pk
    fields = [model._meta.get_field(name) for name in names]
    rows = [{pk.column: obj.pk, **{f.column: getattr(obj, f.attname) for f in fields}} for obj in objs]
    _run(_update_statement(model, tuple(names)), rows).close()
