"""Query-parameter filters: every list's filters are a django-filter FilterSet (`<app>/filters.py`)
applied to its selector's queryset, by the API (through `FilterBackend`, which also puts each
filter in the OpenAPI schema with its type) and by the pages (through `filtered`), so both filter
the same rows the same way and a bad value is refused naming the parameter: 400 in the API's error
shape, the field's error on the page's form."""

from __future__ import annotations

from datetime import UTC

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from django_filters import Filter, FilterSet, ModelChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from vsm.api.fields import BIGINT_MAX
from vsm.errors import InvalidInput


def filtered(filterset: FilterSet) -> QuerySet:
    """The bound filterset's queryset; a parameter that does not parse raises InvalidInput naming it."""
    if not filterset.is_valid():
        fields = {name: [str(message) for message in messages] for name, messages in filterset.errors.items()}
        name, messages = next(iter(fields.items()))
        raise InvalidInput(f"Invalid filter {name}: {messages[0]}", fields=fields)
    return filterset.qs


def by_slug(model, **kwargs) -> ModelChoiceFilter:
    """A row named by its slug; an unknown slug is refused."""
    return ModelChoiceFilter(queryset=model.objects.all(), to_field_name="slug", **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(Filter):
    """A whole number, by default a row's id: from 1 to PostgreSQL's bigint limit (django-filter's
    NumberFilter takes decimals, and a larger number would fail in the database)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


class _AwareDateTimeField(forms.DateTimeField):
    """An ISO 8601 time with its UTC offset (a client's local zone is nobody's guess), within the
    calendar once in UTC."""

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2025-03-01T09:00:00+01:00 or 2025-03-01T08:00:00Z.",
        "overflow": "The time lies beyond the calendar once in UTC.",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            parsed = parse_datetime(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if parsed.utcoffset() is None:
            raise forms.ValidationError(self.error_messages["naive"], code="naive")
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["overflow"], code="overflow") from None


class AwareDateTimeFilter(django_filters.IsoDateTimeFilter):
    """A time with its UTC offset, such as 2025-03-01T09:00:00+01:00. (Derived from django-filter's
    own kind, not annotated, so the schema keeps the filter's help text.)"""

    field_class = _AwareDateTimeField


class _BooleanSelect(forms.NullBooleanSelect):
    def value_from_datadict(self, data, files, name):
        return data.get(name)  # as given: the field refuses what it does not know


class _BooleanField(forms.NullBooleanField):
    """true/false (also 1/0, yes/no, on/off); anything else is refused rather than ignored."""

    widget = _BooleanSelect

    WORDS = {"true": True, "1": True, "yes": True, "on": True, "false": False, "0": False, "no": False, "off": False}

    def to_python(self, value):
        if value in self.empty_values or isinstance(value, bool):
            return value if isinstance(value, bool) else None
        word = str(value).strip().lower()
        if word == "unknown":  # the select's "either"
            return None
        if word not in self.WORDS:
            raise forms.ValidationError("Give true or false.", code="invalid")
        return self.WORDS[word]


class BooleanFilter(django_filters.BooleanFilter):
    """true or false; a value that is neither answers 400 (django-filter's ignores it)."""

    field_class = _BooleanField


class WindowForm(forms.Form):
    """The form of a FilterSet holding a time window: the end, given with the start, must not be
    before it (PostgreSQL refuses a range that ends before it starts). ``window`` names the two
    parameters; the error is on the end."""

    window: tuple[str, str] = ("since", "until")

    def clean(self):
        data = super().clean()
        start_name, end_name = self.window
        start, end = data.get(start_name), data.get(end_name)
        if start is not None and end is not None and end < start:
            self.add_error(end_name, f"Must not be before {start_name}.")
        return data


class FilterBackend(DjangoFilterBackend):
    """The API's one filter backend (DEFAULT_FILTER_BACKENDS): the view's `filterset_class`, or
    `filtersets[action]` for a viewset with more than one list, applied through `filtered`."""

    def get_filterset_class(self, view, queryset=None):
        by_action = getattr(view, "filtersets", None)
        if by_action is not None:
            return by_action.get(getattr(view, "action", None))
        return super().get_filterset_class(view, queryset)

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        return queryset if filterset is None else filtered(filterset)
