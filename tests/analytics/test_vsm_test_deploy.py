"""Which deployment is a change's first test deployment: the two ways a deployment names the
merge commit (its own commit_sha, or the commits it lists) are looked up separately by index,
and only the service's successful non-production deployments count."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from analytics.query import metric_query_parse
from analytics.streammap.selectors import value_stream_map_records
from tests.analytics.flow_support import item, utc
from tests.analytics.vsm_support import Delivery
from tests.factories import ServiceFactory
from tests.integrations.factories import DeploymentCommitFactory, DeploymentFactory
from vsm.tenancy.context import tenant_context


def _first_test_deploy(delivery):
    org = delivery.org
    delivery.derive()
    data = QueryDict(mutable=True)
    data.update({"from": "2024-03-04", "to": "2024-03-12"})
    with tenant_context(org):
        rows = value_stream_map_records(query=metric_query_parse(params=data, org=org), event="")[0:10]
    return {row["key"]: row["first_test_deploy"] for row in rows}


@pytest.fixture
def delivery(org_a):
    d = Delivery(org_a)
    item(org_a, created="03-01 09:00", key="ABC-1", service=d.service, resolved="03-08 12:00",
         moves=[("03-01 09:00", "In Progress"), ("03-08 12:00", "Done")])
    d.pull_request("ABC-1", "aaa", "03-02 09:00", reviewed="03-02 10:00", merged="03-03 21:00")
    # Listing the commit, with another commit of its own: found through the listed commits.
    listed = DeploymentFactory(organization=org_a, service=d.service, environment=d.test_env, commit_sha="fff",
                               started_at=utc("03-04 09:00"), finished_at=utc("03-04 10:00"))
    DeploymentCommitFactory(organization=org_a, deployment=listed, commit=d.commits["aaa"])
    return d


def _deploy(d, finished: str, **fields):
    return DeploymentFactory(organization=d.org, started_at=utc(finished), finished_at=utc(finished),
                             **{"service": d.service, "environment": d.test_env, "commit_sha": "aaa", **fields})


def test_a_listing_deployment_counts(org_a, delivery):
    assert _first_test_deploy(delivery) == {"ABC-1": utc("03-04 10:00")}


def test_a_deployment_naming_the_sha_alone_counts_when_earlier(org_a, delivery):
    _deploy(delivery, "03-04 08:00")  # no listed commits: its own sha is the merge commit
    assert _first_test_deploy(delivery) == {"ABC-1": utc("03-04 08:00")}


def test_other_services_failed_and_production_deployments_do_not_count(org_a, delivery):
    _deploy(delivery, "03-04 05:00", service=ServiceFactory(organization=org_a, slug="other-api"))
    _deploy(delivery, "03-04 06:00", status="failed")
    _deploy(delivery, "03-04 07:00", environment=delivery.production, is_production=True)
    assert _first_test_deploy(delivery) == {"ABC-1": utc("03-04 10:00")}
