"""The goals list's filters (GET metrics/goals/ and the goals page)."""

import django_filters

from analytics.goals.api.serializers import METRIC_CHOICES
from analytics.models import GoalScope, MetricGoal
from vsm.api.filters import by_slug
from vsm.catalog.models import Team, ValueStream


class MetricGoalFilter(django_filters.FilterSet):
    scope = django_filters.ChoiceFilter(choices=GoalScope.choices)
    metric = django_filters.ChoiceFilter(choices=METRIC_CHOICES)
    value_stream = by_slug(ValueStream, help_text="value stream slug")
    team = by_slug(Team, help_text="team slug")

    class Meta:
        model = MetricGoal
        fields: list[str] = []
