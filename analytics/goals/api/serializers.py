"""The metric goals in the API: what a goal reads as, and what a create or change takes."""

from rest_framework import serializers

from analytics.dora.tiles import METRICS
from analytics.models import GoalComparison, GoalScope, MetricGoal
from vsm.api.inputs import InputSerializer
from vsm.catalog.models import Team, ValueStream

METRIC_CHOICES = [(m.key, m.label) for m in METRICS]
TARGET_HELP = ("in the unit of the metric's headline number: deployments per day, hours (lead time, recovery "
               "time), or a rate as a fraction from 0 to 1 (0.1 is 10 %)")


class MetricGoalSerializer(serializers.ModelSerializer):
    value_stream = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    metric = serializers.ChoiceField(choices=METRIC_CHOICES, read_only=True)

    class Meta:
        model = MetricGoal
        fields = ["id", "scope", "value_stream", "team", "metric", "comparison", "target", "created_at"]
        read_only_fields = fields


class MetricGoalInputSerializer(InputSerializer):
    metric = serializers.ChoiceField(choices=METRIC_CHOICES)
    comparison = serializers.ChoiceField(choices=GoalComparison.choices)
    target = serializers.FloatField(min_value=0, max_value=1_000_000, help_text=TARGET_HELP)
    scope = serializers.ChoiceField(choices=GoalScope.choices, required=False,
                                    help_text="default: implied by value_stream or team, else the organization")
    value_stream = serializers.SlugRelatedField(slug_field="slug", queryset=ValueStream.objects.all(),
                                                required=False, allow_null=True)
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all(), required=False,
                                        allow_null=True)


class MetricGoalChangeSerializer(InputSerializer):
    """A goal's scope and metric define it; to move it, delete it and create another."""

    comparison = serializers.ChoiceField(choices=GoalComparison.choices)
    target = serializers.FloatField(min_value=0, max_value=1_000_000, help_text=TARGET_HELP)
