"""The filters every analytics page shares: a window (a preset number of days ending today, or a
custom from/to) and a scope (value stream, service, team), read from the query string.

The page speaks the metrics API's parameters (from, to, value_stream, service, team, interval)
plus `window` for the presets, and hands them to analytics.query.metric_query_parse, the one parser
the API uses too; its InvalidInput names the parameter, which the page shows next to that field.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils import timezone

from analytics.query import INTERVALS, MetricQuery, metric_query_parse
from analytics.selectors import scope_choices
from vsm.errors import InvalidInput

PRESETS = ("30", "90", "180", "365")
DEFAULT_WINDOW = "90"  # the API's default window too
CUSTOM = "custom"
SCOPES = ("value_stream", "service", "team")
# METRICS.md series: a week per point for windows longer than this, a day per point below.
DAILY_UP_TO_DAYS = 60


@dataclasses.dataclass
class Filters:
    """What the page was asked for, parsed. `query` is None when the input was refused; then
    `errors` says why, by parameter."""

    window: str
    values: dict[str, str]
    query: MetricQuery | None = None
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @property
    def days(self) -> int:
        return self.query.days

    def previous(self) -> MetricQuery:
        """The window of the same length immediately before this one, same scope, no series."""
        length = timedelta(days=self.days)
        return dataclasses.replace(self.query, window_from=self.query.window_from - length,
                                   window_to=self.query.window_to - length, interval=None)

    def windows(self) -> list[MetricQuery]:
        """The window and the one before it, whose reports a page with trends reads together."""
        return [self.query, self.previous()]

    def periods(self, series: list[dict]) -> list[dict[str, date]]:
        """The from/to dates of each period of a series, clipped to the window (a week may start
        before the window does)."""
        starts = [date.fromisoformat(entry["period_start"]) for entry in series]
        ends = [following - timedelta(days=1) for following in starts[1:]] + [self.query.window_to]
        return [{"from": max(start, self.query.window_from), "to": min(end, self.query.window_to)}
                for start, end in zip(starts, ends, strict=True)]

    def params(self, **overrides: str | date | None) -> str:
        """The query string that asks for this window and scope with explicit dates (what a
        drill-down or the API needs to show the same rows), with `overrides` applied."""
        pairs = {"from": self.query.window_from, "to": self.query.window_to,
                 **{scope: self.values[scope] for scope in SCOPES if self.values.get(scope)}, **overrides}
        return urlencode({key: str(value) for key, value in pairs.items() if value not in (None, "")})


def filters_from_request(request, *, fixed: dict[str, str] | None = None, series: bool = True) -> Filters:
    """Parse the page's GET parameters. `fixed` pins scope parameters the URL already names
    (the value stream of a value stream dashboard, the service of a service page). With
    `series`, an interval is chosen when none is asked for: a day per point up to 60 days,
    a week beyond."""
    return filters_parse(request.GET, org=request.organization, fixed=fixed, series=series)


def filters_parse(get: QueryDict, *, org, fixed: dict[str, str] | None = None, series: bool = True) -> Filters:
    """filters_from_request for the organization `org` without a request: what a page asked for
    with these parameters would read (analytics.dora.warm computes its reports ahead)."""
    values = {key: get.get(key, "").strip() for key in ("from", "to", "interval", *SCOPES)}
    values.update(fixed or {})
    window = get.get("window", "").strip()
    if window not in (*PRESETS, CUSTOM):
        window = CUSTOM if values["from"] or values["to"] else DEFAULT_WINDOW
    filters = Filters(window=window, values=values)
    if window != CUSTOM:
        today = timezone.localdate(timezone=org.tzinfo)
        values["from"], values["to"] = (today - timedelta(days=int(window) - 1)).isoformat(), today.isoformat()
    params = QueryDict(mutable=True)
    for key, value in values.items():
        if value and (key != "interval" or series):
            params[key] = value
    try:
        filters.query = metric_query_parse(params=params, org=org)
    except InvalidInput as error:
        filters.errors = error.fields or {"window": [error.message]}
        return filters
    if series and not values["interval"]:
        filters.query = dataclasses.replace(filters.query,
                                            interval="day" if filters.days <= DAILY_UP_TO_DAYS else "week")
    return filters


def filter_context(filters: Filters, *, scopes: tuple[str, ...] = SCOPES, value_stream=None) -> dict:
    """What the filter form needs: the parsed filters, the choices of each scope it offers."""
    return {"filters": filters, "presets": PRESETS, "intervals": INTERVALS,
            "choices": scope_choices(scopes=scopes, value_stream=value_stream)}
