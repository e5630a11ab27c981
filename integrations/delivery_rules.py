"""What the delivery metrics agree on about a deployment (METRICS.md, "production deployment"),
defined once for derivation, the DORA SQL and its rollups and drill-downs, and the value stream
map.

A deployment **went live** when it finished with a status that put its version in place
(succeeded, or rolled back later: it was live until then). A **live production deployment**
went live into a production environment; the metrics date it by ``finished_at``.

Hand-written SQL takes the predicates from here with the deployment's alias, and the parameters
from ``DELIVERY_PARAMS``; the column names come from the model.
"""

from __future__ import annotations

from integrations import normalized as n
from integrations.models import Deployment

LIVE_STATUSES = (n.DeploymentStatus.SUCCEEDED.value, n.DeploymentStatus.ROLLED_BACK.value)
# Deployments that redo earlier work (deployment rework rate).
REWORK_KINDS = (n.DeploymentKind.HOTFIX.value, n.DeploymentKind.ROLLBACK.value)

# The query parameters the predicates below name.
DELIVERY_PARAMS = {"live": list(LIVE_STATUSES), "rework_kinds": list(REWORK_KINDS),
                   "rolled_back": n.DeploymentStatus.ROLLED_BACK.value, "rollback": n.DeploymentKind.ROLLBACK.value}

_STATUS, _FINISHED_AT, _IS_PRODUCTION = (Deployment._meta.get_field(name).column
                                         for name in ("status", "finished_at", "is_production"))


def live_sql(alias: str) -> str:
    """SQL: the deployment `alias` went live (into any environment)."""
    return f"{alias}.{_STATUS} = ANY(%(live)s) AND {alias}.{_FINISHED_AT} IS NOT NULL"


def live_production_sql(alias: str) -> str:
    """SQL: the deployment `alias` is a live production deployment."""
    return f"{alias}.{_IS_PRODUCTION} AND {live_sql(alias)}"
