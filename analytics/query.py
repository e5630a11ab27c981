"""What a metrics request asks for: a window of dates in the organization's time zone, a scope and
an optional series interval. Parsed once here for the API and the pages alike."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Model, Q
from django.utils import timezone

from vsm.catalog.models import Service, Team, ValueStream
from vsm.errors import InvalidInput

DEFAULT_DAYS = 90
# The longest window is settings.ANALYTICS_MAX_WINDOW_DAYS (two years by default): what one
# request may cost grows with its window. Dates outside these are typos; the bounds keep "the
# day after `to`" and the dashboard's previous window (one window earlier) inside what Python
# dates can hold.
EARLIEST, LATEST = date(1900, 1, 1), date(2999, 12, 31)
INTERVALS = ("day", "week", "month")
SCOPES: tuple[tuple[str, type[Model]], ...] = (("value_stream", ValueStream), ("service", Service), ("team", Team))


@dataclass(frozen=True)
class MetricQuery:
    window_from: date
    window_to: date
    tz: ZoneInfo
    value_streams: tuple[int, ...] = ()
    services: tuple[int, ...] = ()
    teams: tuple[int, ...] = ()
    interval: str | None = None

    @property
    def days(self) -> int:
        return (self.window_to - self.window_from).days + 1

    @property
    def start(self) -> datetime:
        """The first instant of the window: `from` 00:00 in the organization's time zone."""
        return datetime.combine(self.window_from, time.min, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        """The first instant after the window: the day after `to`, 00:00 (DST-correct)."""
        return datetime.combine(self.window_to + timedelta(days=1), time.min, tzinfo=self.tz)

    @property
    def scoped(self) -> bool:
        return bool(self.value_streams or self.services or self.teams)

    def service_ids(self) -> list[int] | None:
        """The services in scope (None: the whole organization). One filter per kind given, all
        of them applied: value_stream=a&team=b means a's services that b owns."""
        if not self.scoped:
            return None
        return list(Service.objects.filter(self.service_filter()).values_list("pk", flat=True))

    def service_filter(self, path: str = "") -> Q:
        """The scope as a condition on the service at `path` ("service__" from a row that
        names one): one condition per kind given, all of them applied."""
        condition = Q()
        if self.value_streams:
            condition &= Q(**{f"{path}value_stream_id__in": self.value_streams})
        if self.services:
            condition &= Q(**{f"{path}pk__in": self.services})
        if self.teams:
            condition &= Q(**{f"{path}team_id__in": self.teams})
        return condition


def param_values(params: Mapping, name: str) -> list[str]:
    """Every non-blank value of a repeatable parameter, stripped. A NUL character (which
    PostgreSQL refuses in any text it compares) is refused naming the parameter, so the pages
    show it in their filter form (the API never gets here with one: see vsm.middleware)."""
    if hasattr(params, "getlist"):
        raw = params.getlist(name)
    else:
        value = params.get(name)
        raw = [] if value is None else list(value) if isinstance(value, list | tuple) else [value]
    values = [str(v).strip() for v in raw if str(v).strip()]
    if any("\x00" in value for value in values):
        raise InvalidInput.field(name, f"{name} must not contain a NUL character.")
    return values


def query_param(params: Mapping, name: str) -> str | None:
    """A parameter given at most once (None when absent), as param_values reads it."""
    values = param_values(params, name)
    if len(values) > 1:
        raise InvalidInput.field(name, f"Give {name} once.")
    return values[0] if values else None


def _date(params: Mapping, name: str) -> date | None:
    value = query_param(params, name)
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.field(name, f"'{value}' is not a date (YYYY-MM-DD).") from None
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput.field(name, f"{name} must be between {EARLIEST} and {LATEST}.")
    return day


def _ids(params: Mapping, name: str, model: type[Model]) -> tuple[int, ...]:
    keys = param_values(params, name)
    if not keys:
        return ()
    # isdigit() alone lets through digits int() cannot read ("²").
    numeric = {k for k in keys if k.isascii() and k.isdigit()}
    slugs = [k for k in keys if k not in numeric]
    numbers = [int(k) for k in numeric]
    found = dict(model.objects.filter(Q(slug__in=slugs) | Q(pk__in=numbers)).values_list("slug", "pk"))
    ids = set(found.values())
    unknown = [k for k in keys if k not in found and not (k in numeric and int(k) in ids)]
    if unknown:
        raise InvalidInput.field(name, f"Unknown {name.replace('_', ' ')}: {', '.join(unknown)}.")
    return tuple(sorted(ids))


def metric_query_parse(*, params: Mapping, org) -> MetricQuery:
    """Parse from, to, value_stream, service, team (repeatable; slug or id) and interval. Bad
    input raises InvalidInput naming the parameter (a window longer than
    ANALYTICS_MAX_WINDOW_DAYS names from and to). Defaults: the 90 days ending today in the
    organization's time zone."""
    tz = org.tzinfo
    today = timezone.now().astimezone(tz).date()
    window_to = _date(params, "to") or today
    window_from = _date(params, "from") or window_to - timedelta(days=DEFAULT_DAYS - 1)
    if window_from > window_to:
        raise InvalidInput.field("from", "from must not be after to.")
    longest = settings.ANALYTICS_MAX_WINDOW_DAYS
    if (window_to - window_from).days + 1 > longest:
        message = (f"The window from {window_from} to {window_to} spans {(window_to - window_from).days + 1} "
                   f"days; it may span at most {longest}. Move from or to closer together.")
        raise InvalidInput(message, fields={"from": [message], "to": [message]}, max_window_days=longest)
    interval = query_param(params, "interval")
    if interval is not None and interval not in INTERVALS:
        raise InvalidInput.field("interval", f"interval must be one of {', '.join(INTERVALS)}.")
    scope = {name: _ids(params, name, model) for name, model in SCOPES}
    return MetricQuery(window_from=window_from, window_to=window_to, tz=tz, value_streams=scope["value_stream"],
                       services=scope["service"], teams=scope["team"], interval=interval)
