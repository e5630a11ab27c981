"""GET/POST metrics/goals/, GET/PUT/PATCH/DELETE metrics/goals/<id>/: the targets of the DORA
metrics per organization, value stream or team (release managers, administrators and owners
change them)."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from analytics.goals import selectors, services
from analytics.goals.api import serializers as s
from analytics.goals.filters import MetricGoalFilter
from analytics.models import MetricGoal
from vsm.api.base import OrgViewSet
from vsm.api.schema import BAD_INPUT


class MetricGoalViewSet(OrgViewSet, mixins.RetrieveModelMixin):
    """Targets for the DORA metrics: shown against the numbers on the dashboards and the
    breakdown, told when missed, summed up in the weekly digest (docs/analytics.md)."""

    queryset = MetricGoal.objects.all()
    serializer_class = s.MetricGoalSerializer
    write_permission = services.GOAL_PERMISSION
    filtersets = {"list": MetricGoalFilter}
    selector = staticmethod(selectors.goal_list)

    @extend_schema(responses=s.MetricGoalSerializer(many=True))
    def list(self, request):
        return self.list_page(s.MetricGoalSerializer)

    @extend_schema(request=s.MetricGoalInputSerializer, responses={201: s.MetricGoalSerializer, 400: BAD_INPUT},
                   examples=[OpenApiExample("Change failure rate at most 10 % in a value stream", request_only=True,
                                            value={"metric": "change_failure_rate", "comparison": "at_most",
                                                   "target": 0.1, "value_stream": "payments"}),
                             OpenApiExample("Lead time at most a day, whole organization", request_only=True,
                                            value={"metric": "change_lead_time", "comparison": "at_most",
                                                   "target": 24})])
    def create(self, request):
        goal = services.goal_create(actor=self.actor, **self.valid(s.MetricGoalInputSerializer))
        return Response(s.MetricGoalSerializer(selectors.goal_get(goal_id=goal.pk)).data,
                        status=status.HTTP_201_CREATED)

    def _update(self, partial: bool):
        goal = services.goal_update(actor=self.actor, goal=self.get_object(),
                                    **self.valid(s.MetricGoalChangeSerializer, partial=partial))
        return Response(s.MetricGoalSerializer(selectors.goal_get(goal_id=goal.pk)).data)

    @extend_schema(request=s.MetricGoalChangeSerializer, responses={200: s.MetricGoalSerializer, 400: BAD_INPUT})
    def update(self, request, pk=None):
        return self._update(partial=False)

    @extend_schema(request=s.MetricGoalChangeSerializer, responses={200: s.MetricGoalSerializer, 400: BAD_INPUT})
    def partial_update(self, request, pk=None):
        return self._update(partial=True)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        services.goal_delete(actor=self.actor, goal=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
