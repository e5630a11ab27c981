"""Helpers of the environments tests: moments on a day ahead, how a Berlin viewer's
datetime-local input holds one, and a page's text with its white space folded."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

BERLIN = ZoneInfo("Europe/Berlin")


def at(hours: float):
    """``hours`` after midnight (UTC) three days from now: clear of anything the tests book now."""
    base = (timezone.now() + timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)
    return base + timedelta(hours=hours)


def local(moment) -> str:
    """How a datetime-local input holds `moment` for a viewer in Berlin."""
    return moment.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())
