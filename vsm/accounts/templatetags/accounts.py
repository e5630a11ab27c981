from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timeuntil

register = template.Library()


@register.filter
def duration_words(value: timedelta | None) -> str:
    """A timedelta as people say it: "15 minutes", "1 hour, 30 minutes"."""
    if not isinstance(value, timedelta):
        return ""
    now = timezone.now()
    return timeuntil(now + value, now)
