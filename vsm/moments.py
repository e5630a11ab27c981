"""The one way a moment is shown to a person: in their zone (their profile's, else their
organization's), as words and digits people read ("Mon 7 Dec 2026 09:00"), never as ISO-8601
text or a UTC offset. Pages, emails, chat posts, notifications, audit summaries, refusals and
gate evidence all format through `moment_text` (templates through the `moment` filter, a
template builtin); the API, CSV exports and iCalendar feeds keep ISO-8601 for machines.

Which zone: pages run under `timezone.override(viewer's zone)` (`OrgPageMixin`), so the active
zone is the viewer's and the filter needs no argument. Code that writes text for a person
outside a page (a refusal raised in a service, an email, a chat post) passes the zone of the
person or organization the text is for (`zone_for`), and names it where the reader cannot
assume it (emails and chat: `name_zone=True`). Text kept in the database for many readers
(gate evidence, audit labels, notifications) keeps the datetime, not its text, and is formatted
when shown (docs/architecture.md "Times shown to people").
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, tzinfo

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

# Named styles, so most callers do not spell a format; any Django date format works too.
STYLES = {
    "datetime": "D j M Y H:i",
    "short": "D j M H:i",
    "date": "D j M Y",
    "time": "H:i",
}


# Set by entry points whose reader cannot assume a zone (the API: a CI job, a script): text
# formatted for them names the zone. Pages leave it unset: the viewer reads their own zone.
_reading: ContextVar[tuple[tzinfo, bool] | None] = ContextVar("sluice_reading_zone", default=None)


@contextmanager
def reading_zone(zone: tzinfo, *, name_zone: bool) -> Iterator[None]:
    """Format moments for a reader in `zone` (naming it when `name_zone`) inside the block."""
    token = _reading.set((zone, name_zone))
    try:
        yield
    finally:
        _reading.reset(token)


def _reader() -> tuple[tzinfo, bool]:
    return _reading.get() or (timezone.get_current_timezone(), False)


def zone_for(*, user=None, organization=None) -> tzinfo:
    """The zone a person reads times in: theirs, else their organization's, else the reader's."""
    zone = getattr(user, "tzinfo", None) if user is not None else None
    if zone is None and organization is not None:
        zone = organization.tzinfo
    return zone or _reader()[0]


def organization_zone() -> tzinfo:
    """The zone of the organization in context: for text kept for all its members (gate evidence),
    written with the zone named."""
    from vsm.tenancy.context import require_org_id
    from vsm.tenancy.models import Organization

    name = Organization.objects.filter(pk=require_org_id()).values_list("time_zone", flat=True).first()
    return zoneinfo.ZoneInfo(name or "UTC")


def zone_name(zone: tzinfo) -> str:
    return getattr(zone, "key", None) or str(zone)


def moment_text(value: datetime | date | None, style: str = "datetime", *, zone: tzinfo | None = None,
                name_zone: bool | None = None) -> str:
    """`value` as a person reads it in `zone` (default: the reader's: see `reading_zone`, else the
    active zone); `name_zone` appends the zone's name (default: as the reader needs)."""
    if value is None or value == "":
        return ""
    fmt = STYLES.get(style, style)
    if isinstance(value, datetime):
        reader_zone, reader_names = _reader()
        zone = zone or reader_zone
        name_zone = reader_names if name_zone is None else name_zone
        if timezone.is_aware(value):
            value = value.astimezone(zone)
        text = date_format(value, fmt)
        return f"{text} ({zone_name(zone)})" if name_zone else text
    return date_format(value, fmt)


def period_text(start: datetime, end: datetime, *, zone: tzinfo | None = None, name_zone: bool | None = None) -> str:
    """A span: "Mon 7 Dec 2026 09:00–11:00" within one day, both moments in full otherwise."""
    reader_zone, reader_names = _reader()
    zone = zone or reader_zone
    name_zone = reader_names if name_zone is None else name_zone
    same_day = start.astimezone(zone).date() == end.astimezone(zone).date()
    end_text = moment_text(end, "time" if same_day else "datetime", zone=zone, name_zone=False)
    text = f"{moment_text(start, zone=zone, name_zone=False)}–{end_text}"
    return f"{text} ({zone_name(zone)})" if name_zone else text


# --- Moments carried inside stored text -------------------------------------------------------
# Text stored for many readers (notifications) holds `{name}` placeholders and, beside it, the
# moments as ISO-8601; each reader sees them in their own zone.

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def moments_stored(moments: dict[str, datetime]) -> dict[str, str]:
    return {name: value.isoformat() for name, value in moments.items()}


def with_moments(text: str, moments: dict[str, str], *, zone: tzinfo | None = None,
                 name_zone: bool | None = None) -> str:
    """`text` with each `{name}` of `moments` (stored as ISO-8601) written out in `zone`."""
    if not moments:
        return text

    def replace(match: re.Match) -> str:
        stored = moments.get(match.group(1))
        if stored is None:
            return match.group(0)
        return moment_text(datetime.fromisoformat(stored), zone=zone, name_zone=name_zone)
    return _PLACEHOLDER.sub(replace, text)


# --- Templates ----------------------------------------------------------------------------------
# A builtin (TEMPLATES OPTIONS "builtins"): every template has `{{ value|moment }}` and
# `{{ value|moment:"date" }}` without loading anything.

register = template.Library()


@register.filter(name="moment")
def moment_filter(value, style: str = "datetime") -> str:
    return moment_text(value, style)


@register.filter(name="moment_in")
def moment_in(value, zone_key: str) -> str:
    """A moment of something defined in its own zone (a freeze window), shown in that zone;
    the template names the zone beside it."""
    return moment_text(value, "short", zone=zoneinfo.ZoneInfo(zone_key), name_zone=False)


@register.filter(name="time_in")
def time_in(value, zone_key: str) -> str:
    return moment_text(value, "time", zone=zoneinfo.ZoneInfo(zone_key), name_zone=False)


_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@register.filter(name="moment_or_value")
def moment_or_value(value):
    """A value of recorded evidence: a moment stored as ISO-8601 text shown as a moment, anything
    else as it is."""
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            return moment_text(datetime.fromisoformat(value))
        except ValueError:
            return value
    return moment_text(value) if isinstance(value, datetime) else value


@register.filter(name="with_moments")
def with_moments_filter(text: str, moments: dict[str, str]) -> str:
    return with_moments(text, moments)
