"""Output shapes of the flow metrics API (for the schema; the numbers come from analytics.flow.selectors)."""

from __future__ import annotations

from rest_framework import serializers

from analytics.dora.api.serializers import DoraQuerySerializer
from analytics.flow.records import METRICS
from analytics.flow.scope import FLOW_TYPES
from analytics.flow.waits import HOLD_CAUSES


class FlowParamsSerializer(DoraQuerySerializer):
    """Documents the query parameters: every metric's window and scope (no series) plus
    flow_type; analytics.flow.query.flow_query_parse reads them."""

    interval = None
    flow_type = serializers.ListField(child=serializers.ChoiceField(choices=FLOW_TYPES), required=False,
                                      help_text="repeatable")


class FlowRecordsParamsSerializer(FlowParamsSerializer):
    metric = serializers.ChoiceField(choices=METRICS)
    status = serializers.CharField(required=False, help_text="waits: only items that were in this status")
    cause = serializers.ChoiceField(choices=tuple(HOLD_CAUSES), required=False,
                                    help_text="deployment_holds: freeze or booking")
    format = serializers.ChoiceField(choices=("json", "csv"), required=False, help_text="csv: every record, as CSV")


class _Week(serializers.Serializer):
    week_start = serializers.DateField()
    items = serializers.IntegerField()


class _Day(serializers.Serializer):
    date = serializers.DateField()
    items = serializers.IntegerField()


class _Velocity(serializers.Serializer):
    items = serializers.IntegerField()
    per_week = _Week(many=True)


class _FlowTime(serializers.Serializer):
    median_hours = serializers.FloatField(allow_null=True)
    items = serializers.IntegerField()


class _Load(serializers.Serializer):
    average = serializers.FloatField(allow_null=True)
    days = serializers.IntegerField()
    per_day = _Day(many=True)


class _Efficiency(serializers.Serializer):
    rate = serializers.FloatField(allow_null=True, help_text="active / flow time, 0-1")
    active_hours = serializers.FloatField()
    flow_hours = serializers.FloatField()
    items = serializers.IntegerField(help_text="items done in the window with a stored status history")


class _Share(serializers.Serializer):
    flow_type = serializers.CharField()
    items = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)


class _Distribution(serializers.Serializer):
    items = serializers.IntegerField()
    flow_types = _Share(many=True)


class _Status(serializers.Serializer):
    status = serializers.CharField()
    category = serializers.CharField()
    waiting = serializers.BooleanField()
    total_hours = serializers.FloatField()
    median_hours = serializers.FloatField()
    items = serializers.IntegerField()


class _Waits(serializers.Serializer):
    statuses = _Status(many=True)
    bottleneck = _Status(allow_null=True)


class _WaitSummary(serializers.Serializer):
    count = serializers.IntegerField()
    median_hours = serializers.FloatField(allow_null=True)
    total_hours = serializers.FloatField()


class _PendingWaits(_WaitSummary):
    pending = serializers.IntegerField()


class _Holds(_WaitSummary):
    open = serializers.IntegerField()


class _HoldCauses(serializers.Serializer):
    freeze = _Holds()
    booking = _Holds()


class _PlatformWaits(serializers.Serializer):
    booking_decisions = _PendingWaits()
    sign_offs = _PendingWaits()
    deployment_holds = _HoldCauses()


class ReportWindowSerializer(serializers.Serializer):
    _from = serializers.DateField()
    to = serializers.DateField()
    time_zone = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("_from")
        return fields


class FlowReportSerializer(serializers.Serializer):
    window = ReportWindowSerializer()
    scope = serializers.DictField(child=serializers.ListField(), help_text="ids of value streams, services, teams")
    velocity = _Velocity()
    flow_time = _FlowTime()
    load = _Load()
    efficiency = _Efficiency()
    distribution = _Distribution()
    waits = _Waits()
    platform_waits = _PlatformWaits()


class FlowRecordsPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    metric = serializers.CharField()
    results = serializers.ListField(child=serializers.DictField(), help_text="each record with `why` it counted")


class ForecastParamsSerializer(FlowParamsSerializer):
    """Documents the forecast's parameters (the flow scope without a window, which the forecast
    does not have); analytics.flow.forecast.forecast_scope_parse reads them."""

    to = None
    release = serializers.IntegerField(required=False, help_text="a release's id: its open work items (fix "
                                       "version = its version); not together with the scope parameters")
    history_days = serializers.IntegerField(required=False, min_value=14, max_value=365,
                                            help_text="complete days before today that set the pace (default 90)")


ForecastParamsSerializer._declared_fields.pop("from")


class _ForecastRelease(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    version = serializers.CharField()


class _ForecastHistory(serializers.Serializer):
    _from = serializers.DateField()
    to = serializers.DateField()
    days = serializers.IntegerField()
    items = serializers.IntegerField(help_text="items done over the history")
    per_day = _Day(many=True)

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("_from")
        return fields


class _Percentile(serializers.Serializer):
    percent = serializers.IntegerField()
    days = serializers.IntegerField(allow_null=True, help_text="days from today; null beyond ten years")
    date = serializers.DateField(allow_null=True)


class _RunsOnDay(serializers.Serializer):
    date = serializers.DateField()
    runs = serializers.IntegerField()


class ForecastSerializer(serializers.Serializer):
    scope = serializers.CharField()
    release = _ForecastRelease(allow_null=True)
    as_of = serializers.DateField()
    remaining = serializers.IntegerField(help_text="open work items to be done")
    history = _ForecastHistory()
    runs = serializers.IntegerField()
    percentiles = _Percentile(many=True, help_text="the 50, 85 and 95 % dates; empty when nothing is open "
                              "or nothing was done in the history (see reason)")
    reason = serializers.CharField(allow_blank=True)
    assumptions = serializers.ListField(child=serializers.CharField())
    distribution = _RunsOnDay(many=True, help_text="runs finished on each day")
