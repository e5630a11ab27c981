"""The gates and CI results lists' filters."""

from __future__ import annotations

import django_filters

from gates.models import CIResult, Gate, GateKind, Status


class GateFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices)
    kind = django_filters.ChoiceFilter(choices=GateKind.choices)

    class Meta:
        model = Gate
        fields: list[str] = []


class CIResultFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(max_length=200, help_text="the result's name, exactly")
    subject = django_filters.CharFilter(max_length=200, help_text="the subject, exactly")

    class Meta:
        model = CIResult
        fields: list[str] = []
