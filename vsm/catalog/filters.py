"""The services list's filters, for the API (`search`) and the Catalog page (`q`, its search box)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from vsm.catalog.models import Service, Team, ValueStream


class ServiceFilter(django_filters.FilterSet):
    value_stream = django_filters.ModelChoiceFilter(
        queryset=ValueStream.objects.all(), to_field_name="slug", empty_label="any", label="Value stream",
        help_text="only services of this value stream (its slug)")
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), to_field_name="slug", empty_label="any",
                                            help_text="only services of this team (its slug)")
    search = django_filters.CharFilter(method="name_or_slug", max_length=120, help_text="part of the name or slug")

    class Meta:
        model = Service
        fields: list[str] = []

    def name_or_slug(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(slug__icontains=value))


class ServicePageFilter(ServiceFilter):
    q = django_filters.CharFilter(method="name_or_slug", max_length=120, label="Search", widget=forms.TextInput(
        attrs={"type": "search", "placeholder": "name or slug"}))
    search = None

    class Meta(ServiceFilter.Meta):
        fields = ["q", "value_stream", "team"]
