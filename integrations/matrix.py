"""What is deployed where: per environment and service, the latest succeeded deployment.

One DISTINCT ON query answers the whole grid (or the two columns of a compare): PostgreSQL keeps
the first row of each (environment, service) pair in the order latest-finished first, using the
(organization, environment, -finished_at) index. A rollback is itself a succeeded deployment, so
after one the grid shows the version rolled back to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, QuerySet

from environments.models import Environment, Tier
from integrations import normalized as n
from integrations.models import Deployment
from vsm.catalog.models import Service, ValueStream

TIER_ORDER = {tier: index for index, tier in enumerate(Tier.values)}


def latest_deployments(*, services: Iterable[int] | None = None, environments: Iterable[int] | None = None,
                       value_stream: ValueStream | None = None) -> QuerySet[Deployment]:
    """The latest succeeded deployment of each (environment, service) pair, narrowed to the given
    service and environment ids or to the services of a value stream."""
    rows = Deployment.objects.filter(status=n.DeploymentStatus.SUCCEEDED.value, environment__isnull=False)
    if services is not None:
        rows = rows.filter(service_id__in=list(services))
    if environments is not None:
        rows = rows.filter(environment_id__in=list(environments))
    if value_stream is not None:
        rows = rows.filter(service__value_stream=value_stream)
    return (rows.select_related("service", "environment", "pipeline_run")
            .order_by("environment_id", "service_id", F("finished_at").desc(nulls_last=True), "-id")
            .distinct("environment_id", "service_id"))


def deployed_services(*, value_stream: ValueStream | None = None) -> QuerySet[Service]:
    """Services with at least one succeeded deployment to a known environment, by name."""
    deployed = Deployment.objects.filter(service=OuterRef("pk"), status=n.DeploymentStatus.SUCCEEDED.value,
                                         environment__isnull=False)
    services = Service.objects.filter(Exists(deployed)).order_by("name", "id")
    return services.filter(value_stream=value_stream) if value_stream is not None else services


def _environment_order(environment: Environment) -> tuple:
    return (TIER_ORDER.get(environment.tier, len(TIER_ORDER)), environment.name, environment.pk)


@dataclass(frozen=True)
class Matrix:
    environments: list[Environment]
    rows: list[tuple[Service, list[Deployment | None]]]  # one cell per environment, in column order


def environment_version_matrix(*, services: list[Service], value_stream: ValueStream | None = None) -> Matrix:
    """The grid for these services (a page of them): columns are the environments any of them is
    deployed to, from development to production."""
    cells = {(d.service_id, d.environment_id): d
             for d in latest_deployments(services=[s.pk for s in services], value_stream=value_stream)}
    environments = sorted({d.environment_id: d.environment for d in cells.values()}.values(), key=_environment_order)
    rows = [(service, [cells.get((service.pk, env.pk)) for env in environments]) for service in services]
    return Matrix(environments=environments, rows=rows)


@dataclass(frozen=True)
class CompareRow:
    service: Service
    left: Deployment | None
    right: Deployment | None

    @property
    def differs(self) -> bool:
        versions = [(d.version or d.commit_sha) if d else None for d in (self.left, self.right)]
        return versions[0] != versions[1]


def environment_compare(*, left: Environment, right: Environment,
                        value_stream: ValueStream | None = None) -> list[CompareRow]:
    """Every service deployed to either environment, with what each runs, by service name."""
    found: dict[int, dict[int, Deployment]] = {}
    for deployment in latest_deployments(environments=[left.pk, right.pk], value_stream=value_stream):
        found.setdefault(deployment.service_id, {})[deployment.environment_id] = deployment
    rows = [CompareRow(service=next(iter(pair.values())).service, left=pair.get(left.pk), right=pair.get(right.pk))
            for pair in found.values()]
    return sorted(rows, key=lambda row: (row.service.name, row.service.pk))
