"""The goals page's form (its rules live in analytics.goals.services)."""

from __future__ import annotations

from django import forms

from analytics.goals.api.serializers import METRIC_CHOICES, TARGET_HELP
from analytics.models import GoalComparison
from vsm.catalog.models import Team, ValueStream


class MetricGoalForm(forms.Form):
    metric = forms.ChoiceField(choices=METRIC_CHOICES)
    comparison = forms.ChoiceField(choices=GoalComparison.choices)
    target = forms.FloatField(min_value=0, max_value=1_000_000, help_text=TARGET_HELP)
    value_stream = forms.ModelChoiceField(queryset=ValueStream.objects.order_by("name"), to_field_name="slug",
                                          required=False, help_text="empty: the organization (or the team below)")
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), to_field_name="slug", required=False)
