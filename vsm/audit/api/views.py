from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view

from vsm.api.base import OrgReadOnlyViewSet
from vsm.audit.api.serializers import AuditEventSerializer, AuditFilterSerializer
from vsm.audit.models import AuditEvent
from vsm.audit.selectors import audit_event_list
from vsm.tenancy.roles import Perm


@extend_schema_view(
    list=extend_schema(summary="The audit trail, newest first", parameters=[AuditFilterSerializer]),
    retrieve=extend_schema(summary="One audit event"),
)
class AuditEventViewSet(OrgReadOnlyViewSet):
    """Who changed what, when, with the state before and after. Read-only, like the trail itself."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    permission = Perm.VIEW_AUDIT
    lookup_value_converter = "int"
    filter_backends: list = []  # filtering is the selector's job, with validated query parameters

    def get_queryset(self):
        if self.action != "list":
            return audit_event_list()
        filters = AuditFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return audit_event_list(**filters.validated_data)
