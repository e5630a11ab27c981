"""A small delivery history for the analytics page tests, dated relative to today in the
organization's zone, derived (first production deployments, incident attribution) the way the
ingest path derives it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from integrations.derivation import delivery_derive, service_ids_with_delivery
from tests.factories import ServiceFactory, TeamFactory, ValueStreamFactory
from tests.integrations.factories import (
    CommitFactory,
    DeploymentCommitFactory,
    DeploymentFactory,
    IncidentFactory,
    ProductionEnvironmentFactory,
)
from vsm.tenancy.context import tenant_context


def day(org, days_ago: int, hour: int = 12) -> datetime:
    today = timezone.localdate(timezone=org.tzinfo)
    return datetime.combine(today - timedelta(days=days_ago), time(hour), tzinfo=org.tzinfo)


class History:
    """`deploy()` and `incident()` rows of one organization; `derive()` when done."""

    def __init__(self, org, *, stream_slug: str = "payments", service_slug: str = "payments-api"):
        self.org = org
        self.stream = ValueStreamFactory(organization=org, name=f"{stream_slug.title()} stream", slug=stream_slug)
        self.team = TeamFactory(organization=org, name="Checkout", slug="checkout")
        self.service = self.add_service(service_slug, stream=self.stream)
        self.production = ProductionEnvironmentFactory(organization=org, name="Production", slug="production")

    def add_service(self, slug: str, *, stream=None):
        return ServiceFactory(organization=self.org, name=slug.replace("-", " ").title(), slug=slug,
                              value_stream=stream, team=self.team)

    def deploy(self, days_ago: int, *, service=None, lead_hours: float | None = 5, **kwargs):
        """A production deployment finished at noon `days_ago`, carrying one commit made
        `lead_hours` earlier (none with lead_hours=None)."""
        service = service or self.service
        finished = day(self.org, days_ago)
        deployment = DeploymentFactory(organization=self.org, service=service, environment=self.production,
                                       finished_at=finished, **kwargs)
        if lead_hours is not None:
            commit = CommitFactory(organization=self.org, service=service,
                                   committed_at=finished - timedelta(hours=lead_hours))
            DeploymentCommitFactory(organization=self.org, deployment=deployment, commit=commit)
        return deployment

    def incident(self, deployment, *, resolved_after_hours: float | None = 2, **kwargs):
        opened = deployment.finished_at + timedelta(hours=1)
        resolved = opened + timedelta(hours=resolved_after_hours) if resolved_after_hours is not None else None
        return IncidentFactory(organization=self.org, service=deployment.service, opened_at=opened,
                               resolved_at=resolved, status="resolved" if resolved else "open",
                               caused_by_deployment=deployment, **kwargs)

    def derive(self) -> None:
        with tenant_context(self.org):
            for service_id in service_ids_with_delivery():
                delivery_derive(service_id=service_id)
