"""The breakdown table: the five DORA metrics per service, team or value stream side by side,
each with its trend against the previous window, ranked worst first by the chosen metric.
The numbers are analytics.dora.selectors.dora_breakdown's; this module only reads the request's
choices and orders the rows."""

from __future__ import annotations

from collections.abc import Mapping

from analytics.dora.selectors import BREAKDOWN_MODELS
from analytics.dora.tiles import METRIC_KEYS, METRICS, trend
from analytics.query import query_param
from vsm.errors import InvalidInput

BY = tuple(BREAKDOWN_MODELS)
DEFAULT_SORT = "change_failure_rate"
DIRECTIONS = ("worst", "best")


def by_parse(params: Mapping, *, default: str | None = None) -> str:
    """by: service, team or value_stream (required unless a page gives a default)."""
    value = query_param(params, "by") or default
    if value is None:
        raise InvalidInput.field("by", f"by is required: one of {', '.join(BY)}.")
    if value not in BY:
        raise InvalidInput.field("by", f"by must be one of {', '.join(BY)}.")
    return value


def sort_parse(params: Mapping) -> tuple[str, str]:
    """sort: a metric (default the change failure rate); dir: worst (default) or best first."""
    sort = query_param(params, "sort") or DEFAULT_SORT
    if sort not in METRIC_KEYS:
        raise InvalidInput.field("sort", f"sort must be one of {', '.join(METRIC_KEYS)}.")
    direction = query_param(params, "dir") or "worst"
    if direction not in DIRECTIONS:
        raise InvalidInput.field("dir", "dir must be worst or best.")
    return sort, direction


def table(rows: list[dict], previous: list[dict], *, sort: str, direction: str) -> list[dict]:
    """One row per group: each metric's block, headline value, level and trend, ordered by
    `sort` worst first (or best first); groups without a value for it come last."""
    before = {row["key"]: row for row in previous}
    result = []
    for row in rows:
        cells = []
        for metric in METRICS:
            block = row[metric.key]
            value = block.get(metric.headline)
            earlier = before.get(row["key"], {}).get(metric.key, {}).get(metric.headline)
            cells.append({"metric": metric, "block": block, "value": value, "level": block.get("level"),
                          "trend": trend(value, earlier, higher_is_better=metric.higher_is_better)})
        result.append({"key": row["key"], "name": row["name"], "cells": cells})
    column = METRIC_KEYS.index(sort)
    # Worst first: the lowest value of a metric where higher is better, else the highest.
    descending = (direction == "worst") != METRICS[column].higher_is_better
    present = [row for row in result if row["cells"][column]["value"] is not None]
    # Stable sorts: ties keep the groups' order by name.
    present.sort(key=lambda row: row["cells"][column]["value"], reverse=descending)
    return present + [row for row in result if row["cells"][column]["value"] is None]
