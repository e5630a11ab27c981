from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins

from vsm.api.base import OrgViewSet
from vsm.audit.api.serializers import AuditEventSerializer
from vsm.audit.filters import AuditEventFilter
from vsm.audit.models import AuditEvent
from vsm.audit.selectors import audit_event_list
from vsm.tenancy.roles import Perm


@extend_schema_view(
    list=extend_schema(summary="The audit trail, newest first"),
    retrieve=extend_schema(summary="One audit event"),
)
class AuditEventViewSet(OrgViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Who changed what, when, with the state before and after. Read-only, like the trail itself."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    permission = Perm.VIEW_AUDIT
    filtersets = {"list": AuditEventFilter}

    def get_queryset(self):
        return audit_event_list()
