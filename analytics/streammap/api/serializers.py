"""Shapes of the value stream map endpoints, for the OpenAPI schema (the numbers come from
analytics.streammap.selectors)."""

from __future__ import annotations

from rest_framework import serializers

from analytics.dora.api.serializers import DoraQuerySerializer
from analytics.flow.api.serializers import ReportWindowSerializer
from analytics.streammap.events import EVENT_CHOICES


class MapQuerySerializer(DoraQuerySerializer):
    """The window and scope of every metric; the map has no series."""

    interval = None


class MapRecordsQuerySerializer(MapQuerySerializer):
    stage = serializers.IntegerField(required=False, min_value=0,
                                     help_text="a stage's position; the number of stages: the whole map")
    event = serializers.ChoiceField(choices=EVENT_CHOICES, required=False,
                                    help_text="without stage: the window's items for which this event was found")


class _Measures(serializers.Serializer):
    items = serializers.IntegerField()
    median_hours = serializers.FloatField(allow_null=True)
    median_active_hours = serializers.FloatField(allow_null=True)
    median_waiting_hours = serializers.FloatField(allow_null=True)
    total_hours = serializers.FloatField()
    active_hours = serializers.FloatField()
    waiting_hours = serializers.FloatField()


class _Stage(_Measures):
    position = serializers.IntegerField()
    name = serializers.CharField()
    start_event = serializers.ChoiceField(choices=EVENT_CHOICES)
    end_event = serializers.ChoiceField(choices=EVENT_CHOICES)


class _Totals(_Measures):
    """The whole map, first stage's start event to last stage's end event: median_hours is the
    lead time, median_active_hours the active time."""

    flow_efficiency = serializers.FloatField(allow_null=True, help_text="active_hours / total_hours")


class _Coverage(serializers.Serializer):
    items = serializers.IntegerField(help_text="work items done or reaching production in the window")
    events = serializers.DictField(child=serializers.IntegerField(), help_text="event -> items it was found for")


class ValueStreamMapSerializer(serializers.Serializer):
    window = ReportWindowSerializer()
    scope = serializers.DictField(child=serializers.ListField(), help_text="ids of value streams, services, teams")
    stages_from = serializers.ChoiceField(choices=("value_stream", "organization", "built_in"))
    stages = _Stage(many=True)
    totals = _Totals()
    coverage = _Coverage()


class MapRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField()
    why = serializers.CharField()
    started = serializers.DateTimeField(required=False, help_text="stage records: its start event")
    ended = serializers.DateTimeField(required=False, help_text="stage records: its end event")
    hours = serializers.FloatField(required=False)
    active_hours = serializers.FloatField(required=False)
    waiting_hours = serializers.FloatField(required=False)


class MapRecordsPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = MapRecordSerializer(many=True)
