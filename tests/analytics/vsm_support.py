"""A small hand-made history for the value stream map tests: two work items of the payments
stream, their pull requests, test and production deployments and a release with gated phases.
Every instant is written out, so the tests can state each stage's hours by hand (times UTC,
2024; the organization runs on UTC).

ABC-1: in progress 03-01 09:00, Blocked 03-02 09:00 to 21:00, done 03-06 12:00. One pull request
opened 03-02 09:00, reviewed 03-03 09:00, merged 03-03 21:00 (commit aaa); an abandoned one
(closed unmerged) opened 03-01 10:00. aaa deployed to test 03-04 09:00-10:00 and to production
03-05 21:00-22:00.
ABC-2: in progress 03-04 08:00, done 03-08 08:00. Pull request bbb opened 03-04 12:00, reviewed
14:00, merged 16:00; pull request ccc opened 03-05 08:00, never reviewed, merged 20:00. Test
deployments 03-05 00:00-01:00 (bbb) and 03-06 00:00-02:00 (bbb, ccc); production 03-07
10:00-11:00 (bbb, ccc).
Release 2.0 (both items' fix version): phase SIT left through its exit gate 03-05 09:00, phase
Production entered through its entry gate 03-06 12:00.
"""

from __future__ import annotations

from integrations.derivation import delivery_derive
from tests.analytics.flow_support import item, utc
from tests.environments.factories import EnvironmentFactory
from tests.factories import ServiceFactory, ValueStreamFactory
from tests.gates.factories import GateFactory
from tests.integrations.factories import (
    CommitFactory,
    DeploymentCommitFactory,
    DeploymentFactory,
    ProductionEnvironmentFactory,
    PullRequestFactory,
)
from tests.releases.factories import PhaseFactory, ReleaseFactory
from vsm.tenancy.context import tenant_context


class Delivery:
    """Services, environments and the helpers that add pull requests and deployments."""

    def __init__(self, org, *, stream_slug: str = "payments"):
        self.org = org
        self.stream = ValueStreamFactory(organization=org, name=f"{stream_slug.title()} stream", slug=stream_slug)
        self.service = ServiceFactory(organization=org, slug=f"{stream_slug}-api", value_stream=self.stream)
        self.test_env = EnvironmentFactory(organization=org, slug=f"{stream_slug}-test", value_stream=self.stream)
        self.production = ProductionEnvironmentFactory(organization=org, slug=f"{stream_slug}-prod")
        self.commits: dict[str, object] = {}

    def pull_request(self, key: str, sha: str, opened: str, *, reviewed: str | None = None,
                     merged: str | None = None, closed: str | None = None):
        if merged:
            self.commits[sha] = CommitFactory(organization=self.org, service=self.service, sha=sha)
        return PullRequestFactory(
            organization=self.org, service=self.service, work_item_keys=[key], opened_at=utc(opened),
            first_review_at=utc(reviewed) if reviewed else None, merged_at=utc(merged) if merged else None,
            closed_at=utc(closed or merged) if (closed or merged) else None, merge_commit_sha=sha if merged else "",
            state="merged" if merged else "closed" if closed else "open")

    def deploy(self, started: str, finished: str, shas: list[str], *, production: bool = False):
        deployment = DeploymentFactory(
            organization=self.org, service=self.service, environment=self.production if production else self.test_env,
            started_at=utc(started), finished_at=utc(finished), commit_sha=shas[-1])
        for sha in shas:
            DeploymentCommitFactory(organization=self.org, deployment=deployment, commit=self.commits[sha])
        return deployment

    def derive(self):
        """What ingest's derivation does after records arrive: the commits' first production
        deployments, then the delivery events the map reads (analytics.streammap.store)."""
        with tenant_context(self.org):
            delivery_derive(service_id=self.service.pk)

    def release(self, version: str, *, exit_passed: str, entry_passed: str):
        release = ReleaseFactory(organization=self.org, value_stream=self.stream, version=version)
        PhaseFactory(organization=self.org, release=release, order=1, name="SIT",
                     planned_start=utc("03-01 00:00"), planned_end=utc("03-05 00:00"),
                     actual_end=utc(exit_passed), status="done", exit_gate=GateFactory(organization=self.org))
        PhaseFactory(organization=self.org, release=release, order=2, name="Production",
                     planned_start=utc("03-05 00:00"), planned_end=utc("03-09 00:00"),
                     actual_start=utc(entry_passed), status="active", entry_gate=GateFactory(organization=self.org))
        return release


def golden_history(org) -> Delivery:
    d = Delivery(org)
    item(org, created="02-28 09:00", key="ABC-1", service=d.service, fix_versions=["2.0"], resolved="03-06 12:00",
         moves=[("03-01 09:00", "In Progress"), ("03-02 09:00", "Blocked"), ("03-02 21:00", "In Progress"),
                ("03-06 12:00", "Done")])
    item(org, created="03-03 09:00", key="ABC-2", service=d.service, fix_versions=["2.0"], resolved="03-08 08:00",
         moves=[("03-04 08:00", "In Progress"), ("03-08 08:00", "Done")])
    # Done after the window: never counted.
    item(org, created="03-03 09:00", key="ABC-3", service=d.service, resolved="03-20 08:00",
         moves=[("03-04 08:00", "In Progress"), ("03-20 08:00", "Done")])
    d.pull_request("ABC-1", "", "03-01 10:00", closed="03-01 11:00")
    d.pull_request("ABC-1", "aaa", "03-02 09:00", reviewed="03-03 09:00", merged="03-03 21:00")
    d.pull_request("ABC-2", "bbb", "03-04 12:00", reviewed="03-04 14:00", merged="03-04 16:00")
    d.pull_request("ABC-2", "ccc", "03-05 08:00", merged="03-05 20:00")
    d.deploy("03-04 09:00", "03-04 10:00", ["aaa"])
    d.deploy("03-05 21:00", "03-05 22:00", ["aaa"], production=True)
    d.deploy("03-05 00:00", "03-05 01:00", ["bbb"])
    d.deploy("03-06 00:00", "03-06 02:00", ["bbb", "ccc"])
    d.deploy("03-07 10:00", "03-07 11:00", ["bbb", "ccc"], production=True)
    d.release("2.0", exit_passed="03-05 09:00", entry_passed="03-06 12:00")
    d.derive()
    return d
