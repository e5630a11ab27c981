"""Reads every analytics page shares: the choices of the filter form and a value stream by slug."""

from __future__ import annotations

from django.db.models import Value

from vsm.catalog.models import Service, Team, ValueStream


def scope_choices(*, scopes: tuple[str, ...], value_stream: ValueStream | None = None) -> dict[str, list[dict]]:
    """The value streams, services and teams a filter form offers (only the `scopes` asked for;
    with `value_stream`, only its services), each a list of {name, slug} by name; one query."""
    services = Service.objects.filter(value_stream=value_stream) if value_stream else Service.objects.all()
    querysets = {"value_stream": ValueStream.objects.all(), "team": Team.objects.all(), "service": services}
    parts = [querysets[scope].annotate(scope=Value(scope)).values("scope", "name", "slug") for scope in scopes]
    choices: dict[str, list[dict]] = {scope: [] for scope in scopes}
    if parts:
        for row in parts[0].union(*parts[1:], all=True).order_by("scope", "name"):
            choices[row["scope"]].append(row)
    return choices


def value_stream_get(*, slug: str) -> ValueStream | None:
    if "\x00" in slug:  # no slug holds one, and PostgreSQL refuses it in a comparison
        return None
    return ValueStream.objects.filter(slug=slug).first()
