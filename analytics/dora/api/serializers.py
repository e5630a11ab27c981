"""Shapes of the DORA endpoints, for the OpenAPI schema (the numbers come from analytics.dora.selectors)."""

from __future__ import annotations

from rest_framework import serializers

from analytics.dora.breakdown import BY
from analytics.dora.records import METRICS
from analytics.query import INTERVALS

LEVELS = ("elite", "high", "medium", "low")


class DoraQuerySerializer(serializers.Serializer):
    """Parsed by analytics.query.metric_query_parse; declared here for the schema."""

    # `from` is a Python keyword: the field is added under its name below.
    to = serializers.DateField(required=False, help_text="last day of the window (organization time zone); "
                                                         "default today")
    value_stream = serializers.ListField(child=serializers.CharField(), required=False,
                                         help_text="slug or id; repeatable")
    service = serializers.ListField(child=serializers.CharField(), required=False, help_text="slug or id; repeatable")
    team = serializers.ListField(child=serializers.CharField(), required=False, help_text="slug or id; repeatable")
    interval = serializers.ChoiceField(choices=INTERVALS, required=False,
                                       help_text="also report a series per day, week (from Monday) or month")


DoraQuerySerializer._declared_fields["from"] = serializers.DateField(
    required=False, help_text="first day of the window (organization time zone); default 89 days before `to`")


class DoraRecordsQuerySerializer(DoraQuerySerializer):
    metric = serializers.ChoiceField(choices=METRICS)
    counted = serializers.BooleanField(required=False, help_text="true: only the rows that count (for the change "
                                       "failure rate, the failures); false: only those that do not")


def _level() -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=LEVELS, allow_null=True)


class DeploymentFrequencySerializer(serializers.Serializer):
    deployments = serializers.IntegerField()
    deployment_days = serializers.IntegerField()
    per_day = serializers.FloatField()
    median_deployment_days_per_week = serializers.FloatField()
    median_deployment_days_per_month = serializers.FloatField()
    level = _level()


class ChangeLeadTimeSerializer(serializers.Serializer):
    median_hours = serializers.FloatField(allow_null=True)
    p90_hours = serializers.FloatField(allow_null=True)
    changes = serializers.IntegerField()
    level = _level()


class _RateSerializer(serializers.Serializer):
    rate = serializers.FloatField(allow_null=True, help_text="null without deployments")
    deployments = serializers.IntegerField()


class ChangeFailureRateSerializer(_RateSerializer):
    failed_deployments = serializers.IntegerField()
    level = _level()


class RecoveryTimeSerializer(serializers.Serializer):
    median_hours = serializers.FloatField(allow_null=True)
    recovered = serializers.IntegerField()
    open = serializers.IntegerField()
    level = _level()


class ReworkRateSerializer(_RateSerializer):
    rework_deployments = serializers.IntegerField()


class _Blocks(serializers.Serializer):
    deployment_frequency = DeploymentFrequencySerializer()
    change_lead_time = ChangeLeadTimeSerializer()
    change_failure_rate = ChangeFailureRateSerializer()
    failed_deployment_recovery_time = RecoveryTimeSerializer()
    deployment_rework_rate = ReworkRateSerializer()


class PeriodSerializer(_Blocks):
    period_start = serializers.DateField()
    days = serializers.IntegerField(help_text="days of the period inside the window")


class WindowSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    time_zone = serializers.CharField()


WindowSerializer._declared_fields["from"] = serializers.DateField()
WindowSerializer._declared_fields["to"] = serializers.DateField()


class DoraReportSerializer(_Blocks):
    window = WindowSerializer()
    series = PeriodSerializer(many=True)


class DoraRecordSerializer(serializers.Serializer):
    """A deployment (or, for change_lead_time, a change) behind the number. Columns depend on the
    metric: deployments carry deployment_id, service, finished_at, version, commit_sha, kind and
    status; changes carry commit_id, sha, service, committed_at, deployment_id and hours."""

    counted = serializers.BooleanField(help_text="whether the record counts towards the number")
    why = serializers.CharField()
    service = serializers.CharField()
    deployment_id = serializers.IntegerField()
    finished_at = serializers.DateTimeField()
    hours = serializers.FloatField(required=False, allow_null=True)


class DoraRecordPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DoraRecordSerializer(many=True)


class DoraBreakdownQuerySerializer(DoraQuerySerializer):
    """Documents the breakdown's parameters: `by` and the report's window and scope (no series)."""

    interval = None
    by = serializers.ChoiceField(choices=BY)
    format = serializers.ChoiceField(choices=("json", "csv"), required=False, help_text="csv: one row per group")


class DoraGroupSerializer(_Blocks):
    key = serializers.CharField(help_text="the group's slug")
    name = serializers.CharField()


class DoraBreakdownSerializer(serializers.Serializer):
    by = serializers.CharField()
    to = serializers.DateField()
    results = DoraGroupSerializer(many=True, help_text="every group of the scope, by name; each block as "
                                  "metrics/dora/ gives it for that group alone")


DoraBreakdownSerializer._declared_fields["from"] = serializers.DateField()
