"""When will it be done: a Monte Carlo forecast of the day a number of open work items will all
be done, from the daily throughput of the recent past (docs/analytics.md, "Forecast").

Each run walks forward from tomorrow; for every day it draws one day of the history at random
(with replacement) and takes that day's number of items done, until the items drawn cover what
is left. The run's answer is the number of days it walked. The forecast's dates are percentiles
of the runs' answers: the 85 % date is the first day by which at least 85 % of the runs were done.

The history is the scope's items done per day (the flow velocity's definition of done) over the
complete days before today in the organization's time zone, days with nothing done included:
weekends and holidays weigh as often as they happened.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from analytics.flow.query import FlowQuery, flow_query_parse
from analytics.flow.scope import done_in, work_items
from analytics.query import query_param
from releases.models import Release
from vsm.errors import InvalidInput

RUNS = 10_000
PERCENTS = (50, 85, 95)
HISTORY_DAYS = 90
HISTORY_DAYS_RANGE = (14, 365)
# A run that has not finished after ten years says more about the history than about the work.
HORIZON_DAYS = 3_650
# One seed for every forecast: the same history and the same open items give the same dates on
# every reload, so a page does not contradict itself.
SEED = 20_261_206
ASSUMPTIONS = (
    "The coming days deliver like the days of the history, drawn at random: the same people, "
    "the same mix and size of work, weekends and holidays as often as they happened.",
    "Only the open items counted here are left: no item is added, split or dropped.",
    "Items are done by the same team that did the history; work elsewhere does not slow it.",
)


def simulate(remaining: int, history: Sequence[int], *, runs: int = RUNS,
             rng: np.random.Generator | None = None) -> np.ndarray:
    """The number of days each of `runs` runs needs to do `remaining` items, drawing each day's
    throughput from `history`. A run still short after HORIZON_DAYS answers HORIZON_DAYS + 1.
    Every run is drawn in blocks of days at once, so thousands of runs cost milliseconds."""
    rng = rng or np.random.default_rng(SEED)
    samples = np.asarray(history, dtype=np.int64)
    days = np.full(runs, HORIZON_DAYS + 1, dtype=np.int64)
    if remaining <= 0:
        return np.zeros(runs, dtype=np.int64)
    if not samples.size or samples.max() == 0:
        return days
    # A block long enough for most runs to finish in one draw: twice the days the mean needs.
    block = min(HORIZON_DAYS, max(8, int(np.ceil(2 * remaining / samples.mean()))))
    pending = np.arange(runs)
    done = np.zeros(runs, dtype=np.int64)
    walked = 0
    while pending.size and walked < HORIZON_DAYS:
        width = min(block, HORIZON_DAYS - walked)
        totals = done[pending, None] + np.cumsum(rng.choice(samples, size=(pending.size, width)), axis=1)
        finished = totals[:, -1] >= remaining
        days[pending[finished]] = walked + 1 + np.argmax(totals[finished] >= remaining, axis=1)
        done[pending[~finished]] = totals[~finished, -1]
        pending = pending[~finished]
        walked += width
    return days


def percentile_days(days: np.ndarray, percent: int) -> int | None:
    """The fewest days within which at least `percent` % of the runs finished; None beyond the
    horizon."""
    value = int(np.percentile(days, percent, method="inverted_cdf"))
    return None if value > HORIZON_DAYS else value


@dataclass(frozen=True)
class ForecastScope:
    """What is forecast: the open items counted and the items whose history sets the pace."""

    label: str
    open_items: object  # a QuerySet of WorkItem
    history: FlowQuery
    release: object | None = None


def history_days_parse(params) -> int:
    """history_days: how many complete days before today set the pace (default HISTORY_DAYS)."""
    value = query_param(params, "history_days")
    if value is None:
        return HISTORY_DAYS
    low, high = HISTORY_DAYS_RANGE
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise InvalidInput.field("history_days", f"history_days must be a whole number from {low} to {high}.")
    return int(value)


def throughput_history(query: FlowQuery, *, first: date, last: date) -> list[tuple[date, int]]:
    """Items of the query's scope done on each day from `first` to `last` (organization days),
    zero days included. One query."""
    start = datetime.combine(first, time.min, tzinfo=query.tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=query.tz)
    counts = dict(done_in(query, start, end).annotate(day=TruncDate("done_at", tzinfo=query.tz))
                  .values("day").annotate(items=Count("pk")).values_list("day", "items"))
    return [(first + timedelta(days=n), counts.get(first + timedelta(days=n), 0))
            for n in range((last - first).days + 1)]


def open_items_in(query: FlowQuery):
    """The scope's items that are not done (to do or in progress), whatever the window."""
    return work_items(query).filter(done_at__isnull=True)


def forecast_scope_parse(*, params, org) -> ForecastScope:
    """What a forecast request asks about: `release` (its id: the open items whose fix versions
    name its version, at the pace of the release's services, else its value stream, else the
    organization), or the flow filters (value_stream, service, team, flow_type: the scope's open
    items at the scope's own pace). InvalidInput names the parameter at fault."""
    query = flow_query_parse(params=params, org=org)
    key = query_param(params, "release")
    if key is None:
        label = "the chosen scope" if query.scoped or query.flow_types else org.name
        return ForecastScope(label=label, open_items=open_items_in(query), history=query)
    if query.scoped or query.flow_types:
        raise InvalidInput.field("release", "Give release or value_stream, service, team and flow_type, not both.")
    release = (Release.objects.filter(pk=int(key)).first()
               if key.isascii() and key.isdigit() and len(key) < 18 else None)
    if release is None:
        raise InvalidInput.field("release", f"Unknown release: {key}.")
    services = tuple(release.service_links.values_list("service_id", flat=True))
    pace = dataclasses.replace(query, services=services, value_streams=(
        () if services or release.value_stream_id is None else (release.value_stream_id,)))
    items = open_items_in(query).filter(fix_versions__contains=[release.version])
    return ForecastScope(label=str(release), open_items=items, history=pace, release=release)


def forecast_report(scope: ForecastScope, *, history_days: int = HISTORY_DAYS, today: date | None = None,
                    runs: int = RUNS) -> dict:
    """The forecast of `scope` as the API answers it and the page shows it."""
    tz = scope.history.tz
    today = today or timezone.now().astimezone(tz).date()
    first, last = today - timedelta(days=history_days), today - timedelta(days=1)
    history = throughput_history(scope.history, first=first, last=last)
    remaining = scope.open_items.count()
    counts = [items for _, items in history]
    days = simulate(remaining, counts, runs=runs)
    percentiles = []
    for percent in PERCENTS:
        needed = percentile_days(days, percent)
        percentiles.append({"percent": percent, "days": needed,
                            "date": None if needed is None else today + timedelta(days=needed)})
    reason = ""
    if not remaining:
        reason = "Nothing is open: every counted item is done."
    elif not any(counts):
        reason = f"Nothing was done in the {history_days} days of the history, so no pace to forecast from."
    elif percentiles[-1]["days"] is None:
        reason = f"At this pace some runs need more than {HORIZON_DAYS // 365} years; those dates are not shown."
    release = scope.release
    return {
        "scope": scope.label,
        "release": None if release is None else {"id": release.pk, "name": release.name, "version": release.version},
        "as_of": today,
        "remaining": remaining,
        "history": {"from": first, "to": last, "days": history_days, "items": sum(counts),
                    "per_day": [{"date": day, "items": items} for day, items in history]},
        "runs": runs,
        "percentiles": percentiles if remaining and any(counts) else [],
        "reason": reason,
        "assumptions": list(ASSUMPTIONS),
        "distribution": _distribution(days, today) if remaining and any(counts) else [],
    }


def _distribution(days: np.ndarray, today: date) -> list[dict]:
    """How many runs finished on each day (within the horizon), for the chart."""
    values, counts = np.unique(days[days <= HORIZON_DAYS], return_counts=True)
    return [{"date": today + timedelta(days=int(d)), "runs": int(c)} for d, c in zip(values, counts, strict=True)]
