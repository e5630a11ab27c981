"""What a person reads on every page of the walker's URL list (tests/page_text.py), for an
organization in Europe/Berlin viewed by someone whose own zone is America/Los_Angeles:

- times in the viewer's zone: no ISO-8601 text, no UTC offset, no "UTC" after a time, and none
  of the hours the page's rows have in Berlin or UTC (unless the text names that zone);
- words, not codes: no snake_case identifier and no model label (`app.model`) in visible text.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime

import pytest
from django.apps import apps
from django.utils import timezone

from tests.page_text import rendered_pages

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
LOS_ANGELES = zoneinfo.ZoneInfo("America/Los_Angeles")

ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
OFFSET = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})\b|\bUTC\s?[+-]\d")
UTC_AFTER_TIME = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?\s+UTC\b")
# A time followed (within the sentence) by the name of its zone says which zone it is in.
ZONE_NAMED = re.compile(r"\d{1,2}:\d{2}[^()\n]{0,40}\((?:[A-Z][A-Za-z_]+/[A-Za-z_/+-]+|UTC)\)")
HOUR = re.compile(r"(?<![\d:])\d{2}:\d{2}(?![\d:])")

SNAKE = re.compile(r"(?<![\w@./-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w@-])")
# Words with underscores a person is meant to read, and why.
SNAKE_ALLOWED = {
    # The options of a connection, in the help beside the JSON a person types them into
    # (integrations/forms.py), and the API scope GitLab calls read_api and ServiceNow's table.
    "time_zone", "writeback_transition", "writeback_resolve", "with_stages", "read_api", "change_request",
    # The example of a connection's mapping overrides, a key as it is typed (integrations/forms.py).
    "status_categories",
    # The example criteria JSON of the release template form, keys as they are typed.
    "signer_role", "phase_environment_booked",
}


def _model_labels() -> re.Pattern:
    labels = sorted((m._meta.label_lower for m in apps.get_models()), key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(label) for label in labels) + r")(?![\w])")


def _row_moments(rows: dict) -> list[datetime]:
    moments = []
    for row in rows.values():
        for field in row._meta.concrete_fields:
            value = getattr(row, field.attname, None)
            if isinstance(value, datetime) and timezone.is_aware(value):
                moments.append(value)
    return moments


def _wrong_hours(moments: list[datetime]) -> set[str]:
    """Hours the rows' times have in Berlin or UTC but not in Los Angeles (the viewer's zone).
    Only times with an odd minute count (the factories' "now"-based ones): a round hour such as
    18:00 also appears in examples and defaults. Any that is also a right hour is left out."""
    def hour(moment, zone):
        return f"{moment.astimezone(zone):%H:%M}"
    odd = [m for m in moments if m.minute % 15]
    now = timezone.now()
    right = {hour(m, LOS_ANGELES) for m in moments} | {hour(now, LOS_ANGELES)}
    wrong = {hour(m, zone) for m in odd for zone in (BERLIN, zoneinfo.ZoneInfo("UTC"))}
    return wrong - right


@pytest.fixture
def viewed(client, org_a, owner_a):
    """Every page, for a Berlin organization, read by a member whose own zone is Los Angeles."""
    org_a.time_zone = "Europe/Berlin"
    org_a.save(update_fields=["time_zone"])
    owner_a.time_zone = "America/Los_Angeles"
    owner_a.save(update_fields=["time_zone"])
    client.force_login(owner_a)
    return rendered_pages(client, org_a)


def _findings(pages: dict[str, str], pattern: re.Pattern, allowed=()) -> list[str]:
    return [f"{path}: {match.group(0)!r} in {text[max(0, match.start() - 40):match.end() + 20]!r}"
            for path, text in pages.items() for match in pattern.finditer(text) if match.group(0) not in allowed]


@pytest.mark.django_db
def test_every_page_shows_times_in_the_viewers_zone(viewed):
    pages, rows = viewed
    assert len(pages) > 40, "the walker's pages did not render"
    problems = _findings(pages, ISO_TIME) + _findings(pages, OFFSET) + _findings(pages, UTC_AFTER_TIME)
    wrong = _wrong_hours(_row_moments(rows))
    assert wrong, "the rows have no time to look for"
    unnamed = {path: ZONE_NAMED.sub("", text) for path, text in pages.items()}
    problems += [f"{problem} (an hour of Berlin or UTC)" for problem in _findings(unnamed, HOUR)
                 if problem.split("'")[1] in wrong]
    assert not problems, "times not in the viewer's zone, or as ISO-8601 or with a UTC offset:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_every_page_shows_words_not_codes(viewed):
    pages, _rows = viewed
    problems = _findings(pages, SNAKE, SNAKE_ALLOWED) + _findings(pages, _model_labels())
    assert not problems, "codes shown where a person reads:\n" + "\n".join(problems)
