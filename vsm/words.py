"""Codes as the words a person reads. Statuses and kinds with choices show their label
(`get_<field>_display`); codes without one (an audit action, a check's reason, an evidence key, a
model) go through `words`, a template builtin beside `moment` (vsm/moments.py)."""

from __future__ import annotations

from django import template
from django.apps import apps

register = template.Library()


def words(code: str | None) -> str:
    """`booking.requested` -> "booking requested", `change_not_approved` -> "change not approved"."""
    if not code:
        return ""
    return str(code).replace("_", " ").replace(".", " ").strip()


def model_words(label: str | None) -> str:
    """A model label (`catalog.service`) as its name ("service"); an unknown one as words."""
    if not label:
        return ""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return words(label).lower()


def choice_label(code: str | None, labels) -> str:
    """`code` as the label a mapping (or choices list) gives it, else as words."""
    labels = dict(labels or {})
    return str(labels.get(code) or words(code))


register.filter("words", words)
register.filter("choice_label", choice_label)
register.filter("model_words", model_words)
