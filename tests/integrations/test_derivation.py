"""delivery_derive: first production deployments of commits and incident attribution
(METRICS.md), idempotent, one service at a time, never across organizations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.derivation import attribution_settings_changed, delivery_derive
from integrations.models import Commit, Incident
from tests.analytics.dora_support import History, golden, utc
from tests.integrations import factories as f
from vsm.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


def first_deployments(h: History) -> dict[str, int | None]:
    with tenant_context(h.org):
        by_sha = dict(Commit.objects.filter(service=h.service).values_list("sha", "first_production_deployment"))
    return {name: by_sha[commit.sha] for name, commit in h.commits.items()}


def attributions(org) -> dict[str, tuple[int | None, str]]:
    with tenant_context(org):
        return {i.number: (i.attributed_deployment_id, i.attribution) for i in Incident.objects.all()}


def test_golden_links(org_a, org_b):
    golden(org_b)
    h, d = golden(org_a)
    # D1 is the first production deployment: every known commit up to its own. D3 carries c3
    # (after c2), D4 c4; D5 redeploys c3 and D6 c4 (both already live); D6 lists c5, first
    # live there; D7 ranges over (c4, c6], and c5 keeps its earlier D6.
    assert first_deployments(h) == {"c1": d["D1"].pk, "c2": d["D1"].pk, "c3": d["D3"].pk, "c4": d["D4"].pk,
                                    "c5": d["D6"].pk, "c6": d["D7"].pk}
    assert attributions(org_a) == {
        "INC1": (d["D3"].pk, "caused_by_deployment"),
        "INC2": (d["D3"].pk, "time_window"),
        "INC3": (d["D7"].pk, "time_window"),
        "INC4": (None, ""),  # 20 days after D7, outside the 168 h window
        "INC5": (None, ""),  # no service
    }


def test_idempotent(org_a, org_b, django_assert_max_num_queries):
    h, _ = golden(org_a)
    before = (first_deployments(h), attributions(org_a))
    h.derive()
    assert (first_deployments(h), attributions(org_a)) == before


def test_unknown_previous_commit_falls_back_to_the_deployed_commit(org_a, org_b):
    h = History(org_a)
    h.commit("a", utc(3, 1))
    h.commit("b", utc(3, 2))
    h.commit("c", utc(3, 3))
    first = h.deploy(utc(3, 1, 12))  # no commit named: carries nothing
    second = h.deploy(utc(3, 4), "c")  # previous deployment's commit unknown: only c
    h.derive()
    assert first_deployments(h) == {"a": None, "b": None, "c": second.pk}
    assert first.pk != second.pk


@pytest.mark.parametrize(("cause", "rule"), [
    ({"caused_by_commit_sha": "0" * 38 + "c1"}, "caused_by_commit"),
    ({"caused_by_version": "v1"}, "caused_by_version"),
    ({"caused_by_commit_sha": "f" * 40, "caused_by_version": "v1"}, "caused_by_version"),  # unknown commit
])
def test_named_commit_or_version(org_a, org_b, cause, rule):
    h = History(org_a)
    h.commit("c1", utc(3, 1))
    named = h.deploy(utc(3, 2), "c1", version="v1")
    h.deploy(utc(3, 3), version="v2")  # the latest deployment: by time it would be this one
    h.incident(utc(3, 4), number="INC9", **cause)
    h.derive()
    assert attributions(org_a)["INC9"] == (named.pk, rule)


@pytest.mark.parametrize(("settings", "expected"), [
    ({}, "time_window"),
    ({"incident_attribution_hours": 10}, ""),  # the deployment finished 12 h before
    ({"attribute_incidents_by_time": False}, ""),
])
def test_attribution_settings(org_a, org_b, settings, expected):
    h = History(org_a)
    h.deploy(utc(3, 2))
    h.incident(utc(3, 2, 12), number="INC9")
    h.derive()
    if settings:
        f.DeliverySettingsFactory(organization=org_a, **settings)
        with tenant_context(org_a):
            attribution_settings_changed()
    assert attributions(org_a)["INC9"][1] == expected


def test_a_deployment_that_became_failed_loses_its_commits(org_a, org_b):
    h = History(org_a)
    h.commit("c1", utc(3, 1))
    first = h.deploy(utc(3, 2), "c1")
    second = h.deploy(utc(3, 3), "c1")
    h.derive()
    assert first_deployments(h) == {"c1": first.pk}
    with tenant_context(org_a):
        first.status = "failed"
        first.save()
        delivery_derive(service_id=h.service.pk, since=datetime(2026, 3, 2, tzinfo=UTC) - timedelta(hours=1))
    assert first_deployments(h) == {"c1": second.pk}
