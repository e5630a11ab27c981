"""How the analytics pages write numbers (analytics/templatetags/metrics.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone

from analytics.templatetags import metrics
from vsm.words import words


@pytest.mark.parametrize(("value", "expected"), [
    (None, "–"), ("", "–"), (0.25, "15 min"), (1, "1.0 h"), (47.94, "47.9 h"), (48, "2.0 d"), (720, "30.0 d"),
])
def test_hours(value, expected):
    assert metrics.hours(value) == expected


@pytest.mark.parametrize(("value", "expected"), [(None, "–"), (0, "0.0 %"), (0.125, "12.5 %"), (1, "100.0 %")])
def test_percent(value, expected):
    assert metrics.percent(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (None, "–"), (2.34, "2.3 / day"), (1, "1.0 / day"), (0.5, "3.5 / week"), (1 / 7, "1.0 / week"),
    (0.05, "1.5 / month"), (0, "0.0 / month"),
])
def test_per_day(value, expected):
    assert metrics.per_day(value) == expected


@pytest.mark.parametrize(("unit", "expected"), [("hours", "2.0 h"), ("rate", "200.0 %"), ("per_day", "2.0 / day")])
def test_metric_picks_the_units_writing(unit, expected):
    assert metrics.metric(2, unit) == expected


@pytest.mark.parametrize(("value", "expected"), [(None, "new"), (0.123, "+12 %"), (-0.5, "−50 %"), (0, "±0 %")])
def test_change(value, expected):
    assert metrics.change(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (None, "–"), ([], "–"), (True, "yes"), (False, "no"), (3.14159, "3.14"), (["INC1", "INC2"], "INC1, INC2"),
    (7, "7"), ("time_window", "time_window"),
    (datetime(2025, 3, 30, 1, 30, tzinfo=UTC), "2025-03-30 03:30"),  # the viewer's zone, summer time from 01:00 UTC
])
def test_cell(value, expected):
    with timezone.override("Europe/Berlin"):
        assert metrics.cell(value) == expected


def test_words():
    assert words("time_window") == "time window" and words(None) == ""
