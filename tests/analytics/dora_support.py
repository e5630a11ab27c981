"""Hand-written delivery histories for the DORA golden tests: rows through the integrations
factories, then delivery_derive, exactly as ingest leaves them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from analytics.dora.selectors import dora_report
from analytics.query import metric_query_parse
from integrations.derivation import delivery_derive
from tests.factories import ServiceFactory
from tests.integrations import factories as f
from vsm.tenancy.context import tenant_context


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


class History:
    """One service's history in one organization; commits are named and found by name."""

    def __init__(self, org, **service_fields):
        self.org = org
        self.service = ServiceFactory(organization=org, **service_fields)
        self.production = f.ProductionEnvironmentFactory(organization=org)
        self.commits: dict[str, object] = {}

    def commit(self, name: str, at: datetime | None, **fields):
        self.commits[name] = f.CommitFactory(organization=self.org, service=self.service, sha=f"{name:0>40}",
                                             committed_at=at, **fields)
        return self.commits[name]

    def deploy(self, finished_at: datetime, commit: str = "", *, lists: tuple[str, ...] = (), environment=None,
               **fields):
        deployment = f.DeploymentFactory(
            organization=self.org, service=self.service, environment=environment or self.production,
            finished_at=finished_at, commit_sha=self.commits[commit].sha if commit else "", **fields)
        for name in lists:
            f.DeploymentCommitFactory(organization=self.org, deployment=deployment, commit=self.commits[name])
        return deployment

    def incident(self, opened_at: datetime, resolved_at: datetime | None = None, **fields):
        return f.IncidentFactory(organization=self.org, service=self.service, opened_at=opened_at,
                                 resolved_at=resolved_at, **fields)

    def derive(self) -> None:
        with tenant_context(self.org):
            delivery_derive(service_id=self.service.pk)

    def report(self, window_from: date, window_to: date, **params) -> dict:
        with tenant_context(self.org):
            query = metric_query_parse(params={"from": window_from.isoformat(), "to": window_to.isoformat(),
                                               **params}, org=self.org)
            return dora_report(query=query)


def golden(org) -> tuple[History, dict]:
    """The main golden history (UTC organization), March 2026. Returns the history and its
    deployments by name. Arithmetic of every metric is in tests/analytics/test_dora_golden.py."""
    h = History(org, slug="checkout")
    h.commit("c1", utc(3, 1, 10))
    h.commit("c2", utc(3, 2, 8))
    h.commit("c3", utc(3, 3, 9))
    h.commit("c4", utc(3, 4, 12))
    h.commit("c5", utc(3, 5, 20))  # listed by D6, which finished two hours earlier: a negative span
    h.commit("c6", utc(3, 10, 7))
    d = {}
    # The service's first production deployment: carries every known commit up to its own (c1, c2).
    d["D1"] = h.deploy(utc(3, 2, 12), "c2")
    # Failed: never went live, so it neither counts nor carries c3.
    d["D2"] = h.deploy(utc(3, 3, 9, 30), "c3", status="failed")
    d["D3"] = h.deploy(utc(3, 3, 15), "c3")
    d["D4"] = h.deploy(utc(3, 4, 14), "c4", status="rolled_back")
    d["D5"] = h.deploy(utc(3, 4, 15), "c3", kind="rollback", rollback_of=d["D4"])
    d["D6"] = h.deploy(utc(3, 5, 18), "c4", kind="hotfix", lists=("c4", "c5"))
    d["D7"] = h.deploy(utc(3, 10, 9), "c6")
    d["staging"] = h.deploy(utc(3, 11, 9), "c6", environment=f.EnvironmentFactory(organization=org))
    h.incident(utc(3, 3, 16), utc(3, 3, 18), number="INC1", caused_by_deployment=d["D3"])
    h.incident(utc(3, 3, 20), utc(3, 4, 1), number="INC2")  # by time: D3 finished 5 h before
    h.incident(utc(3, 12, 10), None, number="INC3")  # by time: D7, 49 h before; never resolved
    h.incident(utc(3, 30, 10), utc(3, 30, 12), number="INC4")  # 20 days after D7: outside 168 h
    f.IncidentFactory(organization=org, service=None, number="INC5", opened_at=utc(3, 3, 16))
    h.derive()
    return h, d
