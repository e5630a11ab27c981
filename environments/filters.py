"""Filters of the environments lists (API and pages): environments, bookings, outages,
deployment approvals and provisioning requests."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q

from environments.models import (
    Booking,
    DeploymentApprovalRequest,
    Environment,
    EnvironmentGroup,
    Outage,
    ProvisioningRequest,
    Tier,
)
from environments.selectors import of_user
from vsm.api.filters import AwareDateTimeFilter, BooleanFilter, WindowForm, by_slug
from vsm.catalog.models import Team, ValueStream

SHARED = "shared"


def _value_stream_choices() -> list[tuple[str, str]]:
    return [(SHARED, "Shared"), *ValueStream.objects.order_by("name").values_list("slug", "name")]


class EnvironmentFilter(django_filters.FilterSet):
    tier = django_filters.ChoiceFilter(choices=Tier.choices, empty_label="Any tier")
    group = by_slug(EnvironmentGroup, empty_label="Any group", help_text="group slug")
    value_stream = django_filters.ChoiceFilter(choices=_value_stream_choices, method="in_value_stream",
                                               empty_label="Any value stream", label="Value stream",
                                               help_text="value stream slug, or `shared`")
    search = django_filters.CharFilter(method="name_or_slug", max_length=100, help_text="part of the name or slug")

    class Meta:
        model = Environment
        fields: list[str] = []

    def in_value_stream(self, queryset, name, value: str):
        return queryset.filter(value_stream__isnull=True) if value == SHARED else queryset.filter(
            value_stream__slug=value)

    def name_or_slug(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(slug__icontains=value))


class _CalendarForm(forms.Form):
    def clean_date(self):
        day = self.cleaned_data.get("date")
        if day is not None and not 1970 <= day.year <= 2200:
            raise forms.ValidationError("Choose a date between 1970 and 2200.")
        return day


class CalendarFilter(EnvironmentFilter):
    """The calendar page's environments; `view` and `date` choose the shown period, not rows."""

    VIEWS = (("day", "Day"), ("week", "Week"), ("month", "Month"))

    view = django_filters.ChoiceFilter(choices=VIEWS, method="shown_period")
    date = django_filters.DateFilter(method="shown_period", widget=forms.DateInput(attrs={"type": "date"}))

    class Meta(EnvironmentFilter.Meta):
        form = _CalendarForm

    def shown_period(self, queryset, name, value):
        return queryset


class _FromToForm(WindowForm):
    window = ("from", "to")


class _PeriodWindowFilter(django_filters.FilterSet):
    """Rows whose period overlaps [`from`, `to`); either end may be left open. The parameters are
    named `from` and `to`, which Python reserves, hence the namespace assignments."""

    vars()["from"] = AwareDateTimeFilter(method="overlapping", help_text="rows ending after this time")
    vars()["to"] = AwareDateTimeFilter(method="overlapping", help_text="rows starting before this time")

    class Meta:
        form = _FromToForm

    def overlapping(self, queryset, name, value):
        data = self.form.cleaned_data
        if name == "from" and data.get("to") is not None:
            return queryset  # `to` applies the pair, in one indexed overlap
        return queryset.filter(period__overlap=(data.get("from"), data.get("to")))


class BookingFilter(_PeriodWindowFilter):
    environment = by_slug(Environment, help_text="environment slug")
    team = by_slug(Team, help_text="team slug")
    status = django_filters.ChoiceFilter(choices=Booking.Status.choices)
    mine = BooleanFilter(method="of_the_caller", help_text="only the caller's and their teams' bookings")

    class Meta(_PeriodWindowFilter.Meta):
        model = Booking
        fields: list[str] = []

    def of_the_caller(self, queryset, name, value):
        if not value:
            return queryset
        actor = self.request.actor
        if actor.user is None:  # a token is nobody: it has no bookings of its own
            return queryset.filter(requested_by__isnull=True, requester_label=actor.label)
        return queryset.filter(of_user(user=actor.user))


class OutageFilter(_PeriodWindowFilter):
    environment = by_slug(Environment, help_text="environment slug")

    class Meta(_PeriodWindowFilter.Meta):
        model = Outage
        fields: list[str] = []


class DeploymentApprovalFilter(django_filters.FilterSet):
    environment = by_slug(Environment, help_text="environment slug")
    status = django_filters.ChoiceFilter(choices=DeploymentApprovalRequest._meta.get_field("status").choices)

    class Meta:
        model = DeploymentApprovalRequest
        fields: list[str] = []


class ProvisioningRequestFilter(django_filters.FilterSet):
    team = by_slug(Team, help_text="team slug")
    status = django_filters.ChoiceFilter(choices=ProvisioningRequest.Status.choices)

    class Meta:
        model = ProvisioningRequest
        fields: list[str] = []
