"""The value stream map (docs/analytics.md, "Value stream map"): per stage of a work item's way
to production, the median hours in it split into active and waiting, and the totals over the
whole map: lead time, active time, flow efficiency. One computation for the API and the page;
value_stream_map_records lists the items behind each number.

Which items: those of the query's scope that were done, or reached production, in the window.
Which stages: the single value stream's own when the query names exactly one, else the
organization's default, else the built-in ones (analytics.streammap.services).
"""

from __future__ import annotations

import json
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q

from analytics.models import ValueStreamStage
from analytics.streammap.events import DEFAULT_STAGES, EVENTS, Stage
from analytics.streammap.sql import measured_sql
from vsm.errors import InvalidInput
from vsm.moments import moment_text


def value_stream_stage_list(*, value_stream) -> list[ValueStreamStage]:
    """The stored stages of one map (the organization's default map without a value stream)."""
    return list(ValueStreamStage.objects.filter(value_stream=value_stream).order_by("position", "id"))


def value_stream_stage_get(*, pk: int) -> ValueStreamStage | None:
    return ValueStreamStage.objects.select_related("value_stream").filter(pk=pk).first()


def value_stream_map_stages(*, value_stream_id: int | None) -> tuple[list[Stage], str]:
    """The stages a map is drawn with, and where they come from: the value stream's own
    ("value_stream"), else the organization's default ("organization"), else the built-in
    ones ("built_in"). One query."""
    condition = Q(value_stream__isnull=True)
    if value_stream_id is not None:
        condition |= Q(value_stream_id=value_stream_id)
    rows = list(ValueStreamStage.objects.filter(condition).order_by("position", "id"))
    own = [row for row in rows if value_stream_id is not None and row.value_stream_id == value_stream_id]
    chosen, origin = (own, "value_stream") if own else (
        [row for row in rows if row.value_stream_id is None], "organization")
    if not chosen:
        return list(DEFAULT_STAGES), "built_in"
    return [Stage(row.name, row.start_event, row.end_event, row.pk) for row in chosen], origin


_REPORT = """
SELECT (SELECT json_build_object('items', COUNT(*), {coverage}) FROM e),
       (SELECT COALESCE(json_agg(a ORDER BY a.pos), '[]') FROM (
            SELECT pos, COUNT(*) AS items,
                   PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY hours) AS median_hours,
                   PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY hours - waiting) AS median_active_hours,
                   PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY waiting) AS median_waiting_hours,
                   SUM(hours) AS total_hours, SUM(hours - waiting) AS active_hours, SUM(waiting) AS waiting_hours
            FROM measured GROUP BY pos) a)
"""
_STAGE_ROWS = """
SELECT item_id, key, title, url, started, ended, hours, waiting FROM measured WHERE pos = %(pos)s
ORDER BY ended, item_id LIMIT %(limit)s OFFSET %(offset)s
"""
_STAGE_COUNT = "SELECT COUNT(*) FROM measured WHERE pos = %(pos)s"
_ITEM_ROWS = """
SELECT id, key, title, url, {events} FROM e WHERE {having}
ORDER BY COALESCE(work_done, production_deploy), id LIMIT %(limit)s OFFSET %(offset)s
"""
_ITEM_COUNT = "SELECT COUNT(*) FROM e WHERE {having}"


def _round(value, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def map_stages(query) -> tuple[list[Stage], str]:
    only = query.value_streams[0] if len(query.value_streams) == 1 else None
    return value_stream_map_stages(value_stream_id=only)


def _run(sql: str, params: dict) -> list[tuple]:
    # JIT off: compiling this plan (the stage expressions, the unnested ranges) took seconds
    # where running it takes a tenth of one (measured with 300 items; docs/analytics.md). SET
    # LOCAL needs a transaction; a read needs no savepoint of its own, nor a round trip for it.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off; " + sql, params)
        return cursor.fetchall()


def _measures(row: dict | None) -> dict:
    row = row or {}
    return {"items": row.get("items", 0), "median_hours": _round(row.get("median_hours")),
            "median_active_hours": _round(row.get("median_active_hours")),
            "median_waiting_hours": _round(row.get("median_waiting_hours")),
            "total_hours": _round(row.get("total_hours") or 0), "active_hours": _round(row.get("active_hours") or 0),
            "waiting_hours": _round(row.get("waiting_hours") or 0)}


def _as_json(value):
    # psycopg2 decodes json columns already; a plain string arrives when the driver does not.
    return json.loads(value) if isinstance(value, str) else value


def value_stream_map(*, query) -> dict:
    """Stages with their medians, the whole map's totals, and how many items of the window
    each event was found for (what the page's empty states explain). One query."""
    stages, origin = map_stages(query)
    coverage_sql = ", ".join(f"'{name}', COUNT({name})" for name in EVENTS)
    sql, params = measured_sql(query, stages, _REPORT.format(coverage=coverage_sql))
    coverage, measured = (_as_json(value) for value in _run(sql, params)[0])
    by_position = {row["pos"]: row for row in measured}
    whole = _measures(by_position.get(len(stages)))
    efficiency = whole["active_hours"] / whole["total_hours"] if whole["total_hours"] else None
    return {
        "window": {"from": query.window_from, "to": query.window_to, "time_zone": str(query.tz),
                   "start": query.start, "end": query.end},
        "scope": {"value_stream": list(query.value_streams), "service": list(query.services),
                  "team": list(query.teams)},
        "stages_from": origin,
        "stages": [{"position": position, "name": stage.name, "start_event": stage.start_event,
                    "end_event": stage.end_event, **_measures(by_position.get(position))}
                   for position, stage in enumerate(stages)],
        # The whole map: its median_hours is the lead time, median_active_hours the active time.
        "totals": {**whole, "flow_efficiency": _round(efficiency, 4)},
        "coverage": {"items": coverage["items"], "events": {name: coverage[name] for name in EVENTS}},
    }


def _at(value: datetime | None, tz) -> str:
    return moment_text(value, "Y-m-d H:i", zone=tz, name_zone=False) if value else "—"


class StageRecords:
    """The items behind one stage's numbers (position == number of stages: the whole map), as
    something a Paginator pages through: one count query, one query per page."""

    def __init__(self, query, stages: list[Stage], position: int):
        self.query, self.stages, self.position = query, stages, position
        self.stage = stages[position] if position < len(stages) else Stage(
            "Whole map", stages[0].start_event, stages[-1].end_event)
        self.columns = ("key", "title", "started", "ended", "hours", "active_hours", "waiting_hours", "why")

    def count(self) -> int:
        sql, params = measured_sql(self.query, self.stages, _STAGE_COUNT, pos=self.position)
        return _run(sql, params)[0][0]

    def __getitem__(self, page: slice) -> list[dict]:
        sql, params = measured_sql(self.query, self.stages, _STAGE_ROWS, pos=self.position,
                                   limit=page.stop - page.start, offset=page.start)
        tz, stage = self.query.tz, self.stage
        rows = []
        for item_id, key, title, url, started, ended, hours, waiting in _run(sql, params):
            hours, waiting = float(hours), float(waiting)
            rows.append({
                "id": item_id, "key": key, "title": title, "url": url, "started": started, "ended": ended,
                "hours": round(hours, 2), "active_hours": round(hours - waiting, 2), "waiting_hours": round(waiting, 2),
                "why": f"{EVENTS[stage.start_event].capitalize()} {_at(started, tz)}, {EVENTS[stage.end_event]} "
                       f"{_at(ended, tz)}: {round(hours, 2)} h, of which {round(waiting, 2)} h waiting."})
        return rows


class ItemRecords:
    """The items of the window (done or reaching production in it), optionally only those for
    which `event` was found, with the instant of every event."""

    def __init__(self, query, stages: list[Stage], event: str):
        if event and event not in EVENTS:
            raise InvalidInput.field("event", f"'{event}' is not one of {', '.join(EVENTS)}.")
        self.query, self.stages, self.event = query, stages, event
        self.having = f"{event} IS NOT NULL" if event else "TRUE"
        self.columns = ("key", "title", *EVENTS, "why")

    def count(self) -> int:
        sql, params = measured_sql(self.query, self.stages, _ITEM_COUNT.format(having=self.having))
        return _run(sql, params)[0][0]

    def __getitem__(self, page: slice) -> list[dict]:
        tail = _ITEM_ROWS.format(events=", ".join(EVENTS), having=self.having)
        sql, params = measured_sql(self.query, self.stages, tail, limit=page.stop - page.start, offset=page.start)
        rows = []
        for item_id, key, title, url, *instants in _run(sql, params):
            found = dict(zip(EVENTS, instants, strict=True))
            missing = [EVENTS[name] for name, at in found.items() if at is None]
            rows.append({"id": item_id, "key": key, "title": title, "url": url, **found,
                         "why": "Done or in production inside the window; "
                                + (f"not found: {', '.join(missing)}." if missing else "every event found.")})
        return rows


def value_stream_map_records(*, query, stage: str = "", event: str = "") -> StageRecords | ItemRecords:
    """The items behind a number of the map: those measured in stage `stage` (its position;
    the number of stages for the whole map), or else the window's items (with `event`, those
    for which it was found)."""
    stages, _origin = map_stages(query)
    if stage == "":
        return ItemRecords(query, stages, event)
    if not (stage.isascii() and stage.isdigit()) or int(stage) > len(stages):
        raise InvalidInput.field("stage", f"stage must be a position from 0 to {len(stages)} (the whole map).")
    return StageRecords(query, stages, int(stage))
