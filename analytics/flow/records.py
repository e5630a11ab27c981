"""The records behind every flow number, each with why it counted (what the drill-down pages,
the API and its CSV show). A RecordSet is a queryset (or list) to paginate plus `describe`,
which turns one page of it into rows: whatever the page needs is read in a fixed number of
queries, not one per row."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime

from django.contrib.postgres.fields import ArrayField
from django.db.models import DateTimeField, Exists, F, Func, IntegerField, OuterRef, Value

from analytics.flow import waits
from analytics.flow.scope import done_in, work_items
from analytics.flow.selectors import load_moments
from analytics.flow.statuses import item_splits
from integrations.models import WorkItemTransition
from vsm.errors import InvalidInput
from vsm.moments import moment_text

WORK_ITEM_METRICS = ("velocity", "flow_time", "efficiency", "distribution", "waits")
METRICS = (*WORK_ITEM_METRICS, "load", "booking_decisions", "sign_offs", "deployment_holds")
ITEM_FIELDS = ("id", "key", "title", "flow_type", "type_raw", "status_raw", "url", "service__slug",
               "first_in_progress", "started_at", "created_at", "start_at", "done_at")
ITEM_COLUMNS = ("key", "title", "flow_type", "status", "service", "start_at", "start_basis", "done_at",
                "flow_time_hours", "active_hours", "waiting_hours", "why")


@dataclasses.dataclass
class RecordSet:
    metric: str
    rows: object  # a QuerySet or a list, in the order shown
    describe: Callable[[Sequence], list[dict]]
    columns: tuple[str, ...]


def _at(value: datetime | None, tz) -> str:
    return moment_text(value, "Y-m-d H:i", zone=tz, name_zone=False) if value else "—"


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else round((end - start).total_seconds() / 3600, 2)


def _start_basis(row: dict) -> str:
    if row["first_in_progress"] is not None:
        return "first entry into an in-progress status"
    if row["started_at"] is not None:
        return "start recorded by the tracker (history incomplete)"
    return "creation (never in progress)"


def _item_row(row: dict, split: dict | None) -> dict:
    return {
        "id": row["id"], "key": row["key"], "title": row["title"], "flow_type": row["flow_type"],
        "status": row["status_raw"], "service": row["service__slug"] or "", "url": row["url"],
        "start_at": row["start_at"], "start_basis": _start_basis(row), "done_at": row["done_at"],
        "flow_time_hours": _hours(row["start_at"], row["done_at"]),
        "active_hours": round(split["active_hours"], 2) if split else None,
        "waiting_hours": round(split["waiting_hours"], 2) if split else None,
        "statuses": {name: round(hours, 2) for name, hours in split["statuses"].items()} if split else {},
    }


def _why_done(metric: str, item: dict, tz, status: str) -> str:
    done = f"Done {_at(item['done_at'], tz)}, inside the window"
    if metric == "velocity":
        return f"{done}."
    if metric == "distribution":
        return f"{done}; its type '{item.get('type_raw') or '—'}' counts as {item['flow_type']}."
    span = (f"flow time {item['flow_time_hours']} h from {_at(item['start_at'], tz)} "
            f"({item['start_basis']})")
    if metric == "flow_time":
        return f"{done}; {span}."
    if item["active_hours"] is None:
        return f"{done}; {span}; no stored status history, so left out of flow efficiency and waits."
    if metric == "waits" and status:
        return f"{done}; spent {item['statuses'].get(status, 0.0)} h in '{status}' during its flow."
    return (f"{done}; {span}: {item['active_hours']} h active, {item['waiting_hours']} h waiting or "
            "not in an active status.")


def _done_records(query, metric: str, start: datetime, end: datetime, status: str) -> RecordSet:
    done = done_in(query, start, end)
    if metric == "waits" and status:
        done = done.filter(Exists(WorkItemTransition.objects.filter(
            work_item=OuterRef("pk"), to_status=status, at__lt=OuterRef("done_at"))))
    rows = done.values(*ITEM_FIELDS).order_by("done_at", "id")

    def describe(page: Sequence[dict]) -> list[dict]:
        splits = item_splits(done_in(query, start, end).filter(pk__in=[row["id"] for row in page]))
        described = []
        for row in page:
            item = {**_item_row(row, splits.get(row["id"])), "type_raw": row["type_raw"]}
            item["why"] = _why_done(metric, item, query.tz, status)
            item.pop("type_raw")
            described.append(item)
        return described

    return RecordSet(metric, rows, describe, ITEM_COLUMNS)


class DaysInProgress(Func):
    """How many of `moments` find the item in progress (the rule of flow load in analytics.flow.selectors)."""

    output_field = IntegerField()

    def __init__(self, moments: list[datetime]):
        super().__init__(F("load_start_at"), F("done_at"), Value(moments, output_field=ArrayField(DateTimeField())))

    def as_sql(self, compiler, connection, **extra):
        (start, start_params), (done, done_params), (moments, moment_params) = (
            compiler.compile(expression) for expression in self.source_expressions)
        sql = (f"(SELECT COUNT(*) FROM UNNEST({moments}) AS moment WHERE moment > {start} "
               f"AND ({done} IS NULL OR moment <= {done}))")
        return sql, (*moment_params, *start_params, *done_params, *done_params)


def _load_records(query, start: datetime, end: datetime, now: datetime | None) -> RecordSet:
    moments = [moment for _day, moment in load_moments(query, now)]
    rows = (work_items(query).filter(load_start_at__isnull=False, load_start_at__lt=end)
            .annotate(days_in_progress=DaysInProgress(moments or [start]))
            .filter(days_in_progress__gt=0)
            .values(*ITEM_FIELDS, "load_start_at", "days_in_progress").order_by("load_start_at", "id"))

    def describe(page: Sequence[dict]) -> list[dict]:
        described = []
        for row in page:
            item = _item_row(row, None)
            item["start_at"], item["days_in_progress"] = row["load_start_at"], row["days_in_progress"]
            until = f"done {_at(row['done_at'], query.tz)}" if row["done_at"] else "not done"
            item["why"] = (f"In progress from {_at(row['load_start_at'], query.tz)} ({until}): counted at the end "
                           f"of {row['days_in_progress']} of the window's {len(moments)} days.")
            described.append(item)
        return described

    return RecordSet("load", rows, describe, (*ITEM_COLUMNS[:6], "done_at", "days_in_progress", "why"))


def _booking_records(query, start: datetime, end: datetime) -> RecordSet:
    def describe(page) -> list[dict]:
        return [{"id": b.pk, "environment": b.environment.name, "team": b.team.slug if b.team else "",
                 "requester": b.requester_label, "requested_at": b.created_at, "decided_at": b.decided_at,
                 "decision": b.status, "hours": _hours(b.created_at, b.decided_at),
                 "why": f"Requested {_at(b.created_at, query.tz)}, {b.get_status_display().lower()} "
                        f"{_at(b.decided_at, query.tz)} (inside the window): waited "
                        f"{_hours(b.created_at, b.decided_at)} h for an approver."} for b in page]

    return RecordSet("booking_decisions", waits.booking_decisions(query, start, end), describe,
                     ("environment", "team", "requester", "requested_at", "decided_at", "decision", "hours", "why"))


def _sign_off_records(query, start: datetime, end: datetime) -> RecordSet:
    def describe(page) -> list[dict]:
        return [{"id": c.pk, "criterion": c.title, "gate": c.gate.name, "signer_role": c.signer_role,
                 "asked_at": c.asked_at, "met_at": c.met_at, "hours": _hours(c.asked_at, c.met_at),
                 "why": f"On '{c.gate.name}' since {_at(c.asked_at, query.tz)}; signed off {_at(c.met_at, query.tz)} "
                        f"(inside the window): waited {_hours(c.asked_at, c.met_at)} h."} for c in page]

    return RecordSet("sign_offs", waits.sign_offs(query, start, end), describe,
                     ("criterion", "gate", "signer_role", "asked_at", "met_at", "hours", "why"))


def _hold_records(query, start: datetime, end: datetime, cause: str) -> RecordSet:
    if cause and cause not in waits.HOLD_CAUSES:
        raise InvalidInput.field("cause", f"'{cause}' is not one of {', '.join(waits.HOLD_CAUSES)}.")
    rows = [row for name in ([cause] if cause else waits.HOLD_CAUSES)
            for row in waits.deployment_holds(query, start, end, cause=name)]
    rows.sort(key=lambda row: row["released_at"])

    def describe(page) -> list[dict]:
        return [{**row, "hours": round(row["hours"], 2),
                 "why": f"{row['service_slug']} {row['version']} denied into {row['environment_slug']} "
                        f"({', '.join(waits.HOLD_CAUSES[row['cause']])}) from {_at(row['held_from'], query.tz)}, "
                        f"{row['denied_checks']} denied checks, first allowed {_at(row['released_at'], query.tz)} "
                        "(inside the window)."} for row in page]

    return RecordSet("deployment_holds", rows, describe,
                     ("cause", "service_slug", "environment_slug", "version", "held_from", "released_at",
                      "denied_checks", "hours", "why"))


def flow_records(*, query, metric: str, status: str = "", cause: str = "", now: datetime | None = None) -> RecordSet:
    """The records behind `metric` (one of METRICS) for the query's window and scope. `status`
    narrows `waits` to one status; `cause` narrows `deployment_holds` to freeze or booking."""
    start, end = query.start, query.end
    if metric in WORK_ITEM_METRICS:
        return _done_records(query, metric, start, end, status)
    if metric == "load":
        return _load_records(query, start, end, now)
    if metric == "booking_decisions":
        return _booking_records(query, start, end)
    if metric == "sign_offs":
        return _sign_off_records(query, start, end)
    if metric == "deployment_holds":
        return _hold_records(query, start, end, cause)
    raise InvalidInput.field("metric", f"'{metric}' is not one of {', '.join(METRICS)}.")
