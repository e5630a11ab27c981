"""Query-parameter filters: every list's filters are a django-filter FilterSet (`<app>/filters.py`)
applied to its selector's queryset, by the API (through `FilterBackend`, which also puts each
filter in the OpenAPI schema with its type) and by the pages (through `filtered`), so both filter
the same rows the same way and a bad value is refused naming the parameter: 400 in the API's error
shape, the field's error on the page's form."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django_filters import Filter, FilterSet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from vsm.errors import InvalidInput


def filtered(filterset: FilterSet) -> QuerySet:
    """The bound filterset's queryset; a parameter that does not parse raises InvalidInput naming it."""
    if not filterset.is_valid():
        fields = {name: [str(message) for message in messages] for name, messages in filterset.errors.items()}
        name, messages = next(iter(fields.items()))
        raise InvalidInput(f"Invalid filter {name}: {messages[0]}", fields=fields)
    return filterset.qs


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(Filter):
    """A whole number, such as a row's id (django-filter's NumberFilter takes decimals)."""

    field_class = forms.IntegerField


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
