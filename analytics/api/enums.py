"""The names of this app's choice sets in the API schema (collected by vsm.api.apps): one name
each, since several models have a `kind` or a `status`."""

ENUM_NAMES = {
    "ValueStreamEventEnum": "analytics.streammap.events.EVENT_CHOICES",
    "GoalScopeEnum": "analytics.models.GoalScope",
    "GoalComparisonEnum": "analytics.models.GoalComparison",
    "DoraMetricEnum": "analytics.goals.api.serializers.METRIC_CHOICES",
}
