"""The open incidents leaders should see: unresolved (no resolved_at) and attributed to a
production deployment, worst severity first, then oldest. One query wherever they are shown
(the organization's home, the dashboards, a service's page, the weekly digest)."""

from __future__ import annotations

from django.db.models import F

from analytics.query import MetricQuery
from integrations.models import Incident
from vsm.catalog.models import Service, ValueStream

OPEN_INCIDENTS_SHOWN = 10


def open_incident_list(*, query: MetricQuery | None = None, value_stream: ValueStream | None = None,
                       service: Service | None = None, limit: int = OPEN_INCIDENTS_SHOWN) -> list[Incident]:
    """The first `limit` open incidents of the scope (a metric query's, a value stream's or a
    service's; none given: the organization's), each with its service."""
    rows = Incident.objects.filter(resolved_at__isnull=True, attributed_deployment__isnull=False,
                                   attributed_deployment__is_production=True)
    if query is not None and query.scoped:
        rows = rows.filter(query.service_filter("service__"))
    if value_stream is not None:
        rows = rows.filter(service__value_stream=value_stream)
    if service is not None:
        rows = rows.filter(service=service)
    return list(rows.select_related("service")
                .order_by(F("severity").asc(nulls_last=True), F("opened_at").asc(nulls_last=True), "id")[:limit])


def severity_words(severity: int | None) -> str:
    return f"Sev {severity}" if severity else "no severity"
