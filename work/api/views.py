from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from vsm.api.base import OrgAPIMixin
from vsm.audit.models import AuditEvent
from work.api.serializers import MyWorkItemSerializer
from work.selectors import my_work


@extend_schema_view(list=extend_schema(operation_id="my_work_list", summary="What waits on me, newest first"))
class MyWorkViewSet(OrgAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """What waits on the signed-in person, as on the My work page: requests to decide, sign-offs
    they may give, waivers about to expire, their bookings starting soon, their releases at risk.
    A token is nobody's work: it gets an empty list."""

    serializer_class = MyWorkItemSerializer
    filtersets = {"list": None}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # The schema generator reads a model off the queryset, and has no person: My work's
            # rows come from several apps, so an empty queryset of the audit trail stands in.
            return AuditEvent.objects.none()
        return my_work(actor=self.actor, org_slug=self.org.slug)
