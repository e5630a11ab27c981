"""Filters of the releases lists (API and pages): freeze windows (and those in force), releases
and deployment checks."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from environments.models import Environment
from releases.models import DeploymentCheck, FreezeScope, FreezeWindow, Release, ReleaseKind, ReleaseStatus
from releases.selectors import freeze_not_over
from vsm.api.filters import BooleanFilter, IntegerFilter, by_slug
from vsm.catalog.models import ValueStream


class FreezeWindowFilter(django_filters.FilterSet):
    scope = django_filters.ChoiceFilter(choices=FreezeScope.choices)
    value_stream = by_slug(ValueStream, help_text="value stream slug")
    current = BooleanFilter(method="not_over", help_text="only windows not over yet")

    class Meta:
        model = FreezeWindow
        fields: list[str] = []

    def not_over(self, queryset, name, value):
        return queryset.filter(freeze_not_over()) if value else queryset


class ActiveFreezeFilter(django_filters.FilterSet):
    """The freezes in force for a deployment into `environment` of `value_stream`; the selector
    (releases.selectors.freeze_active) reads the parsed values: occurrences are no rows."""

    environment = by_slug(Environment, method="read_by_the_selector", help_text="environment slug")
    value_stream = by_slug(ValueStream, method="read_by_the_selector", help_text="value stream slug")

    class Meta:
        model = FreezeWindow
        fields: list[str] = []

    def read_by_the_selector(self, queryset, name, value: str):
        return queryset


class ReleaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReleaseStatus.choices, empty_label="Any status")
    kind = django_filters.ChoiceFilter(choices=ReleaseKind.choices, empty_label="Any kind")
    value_stream = by_slug(ValueStream, empty_label="Any value stream", label="Value stream",
                            help_text="value stream slug")
    parent = IntegerFilter(field_name="parent_id", help_text="children of this train")
    search = django_filters.CharFilter(method="name_or_version", max_length=100,
                                       help_text="part of the name or version")

    class Meta:
        model = Release
        fields: list[str] = []

    def name_or_version(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(version__icontains=value))


class ReleasePageFilter(ReleaseFilter):
    parent = None

    class Meta(ReleaseFilter.Meta):
        fields = ["status", "kind", "value_stream", "search"]


class DeploymentCheckFilter(django_filters.FilterSet):
    service = django_filters.CharFilter(field_name="service_slug", max_length=60, help_text="service slug")
    environment = django_filters.CharFilter(field_name="environment_slug", max_length=60,
                                            help_text="environment slug")
    decision = django_filters.ChoiceFilter(choices=DeploymentCheck._meta.get_field("decision").choices)
    release = IntegerFilter(field_name="release_id", help_text="a release's id")

    class Meta:
        model = DeploymentCheck
        fields: list[str] = []
