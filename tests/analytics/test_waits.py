"""The waits the platform measures, against hand-computed histories (analytics.flow.waits). UTC
organization, window 2024-03-04 .. 2024-03-10 (2024-03-04 00:00 up to 2024-03-11 00:00)."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from analytics.flow.query import flow_query_parse
from analytics.flow.records import flow_records
from analytics.flow.waits import platform_waits
from tests.analytics.flow_support import utc
from tests.environments.factories import BookingFactory, EnvironmentFactory
from tests.factories import ServiceFactory, ValueStreamFactory
from tests.gates.factories import CriterionFactory, EvaluationFactory, GateFactory
from tests.releases.factories import DeploymentCheckFactory, PhaseFactory, ReleaseFactory
from vsm.tenancy.context import tenant_context


def query(org, **params):
    data = QueryDict(mutable=True)
    data.update({"from": "2024-03-04", "to": "2024-03-10", **params})
    with tenant_context(org):
        return flow_query_parse(params=data, org=org)


def report(org, **params):
    q = query(org, **params)
    with tenant_context(org):
        return platform_waits(query=q, start=q.start, end=q.end)


def test_booking_decisions(org_a, org_b):
    env = EnvironmentFactory(organization=org_a)
    # Requested 03-05 10:00, approved 14:00: 4 h. Requested 03-06 10:00, rejected 03-07 10:00: 24 h.
    BookingFactory(organization=org_a, environment=env, created_at=utc("03-05 10:00"), decided_at=utc("03-05 14:00"))
    BookingFactory(organization=org_a, environment=env, created_at=utc("03-06 10:00"), decided_at=utc("03-07 10:00"),
                   status="rejected", start=utc("03-20 10:00"))
    # Decided after the window: not counted. Still requested: pending.
    BookingFactory(organization=org_a, environment=env, created_at=utc("03-09 10:00"), decided_at=utc("03-11 10:00"),
                   start=utc("03-21 10:00"))
    BookingFactory(organization=org_a, environment=env, created_at=utc("03-08 10:00"), status="requested",
                   start=utc("03-22 10:00"))
    # Approved at once (no decision time) and another organization's decision: not waits here.
    BookingFactory(organization=org_a, environment=env, created_at=utc("03-05 10:00"), start=utc("03-23 10:00"))
    BookingFactory(organization=org_b, created_at=utc("03-05 10:00"), decided_at=utc("03-06 10:00"))
    waits = report(org_a)["booking_decisions"]
    # Median of 4 and 24 = 14; total 28.
    assert waits == {"count": 2, "median_hours": 14.0, "total_hours": 28.0, "pending": 1}


def test_sign_offs(org_a):
    stream = ValueStreamFactory(organization=org_a, slug="payments")
    gate = GateFactory(organization=org_a)
    PhaseFactory(organization=org_a, release=ReleaseFactory(organization=org_a, value_stream=stream), entry_gate=gate)
    # Put on the gate 03-04 09:00, not met 03-05 09:00, signed off (met) 03-06 21:00: 60 h.
    signed = CriterionFactory(organization=org_a, gate=gate)
    for at, outcome in [("03-04 09:00", "not_met"), ("03-05 09:00", "not_met"), ("03-06 21:00", "met"),
                        ("03-07 09:00", "met")]:
        EvaluationFactory(organization=org_a, gate=gate, criterion=signed, outcome=outcome, evaluated_at=utc(at))
    # Never signed: pending.
    waiting = CriterionFactory(organization=org_a, gate=gate)
    EvaluationFactory(organization=org_a, gate=gate, criterion=waiting, evaluated_at=utc("03-04 09:00"))
    assert report(org_a)["sign_offs"] == {"count": 1, "median_hours": 60.0, "total_hours": 60.0, "pending": 1}
    # Another value stream's releases carry neither.
    ValueStreamFactory(organization=org_a, slug="other")
    assert report(org_a, value_stream="other")["sign_offs"]["count"] == 0
    assert report(org_a, value_stream="payments")["sign_offs"]["count"] == 1


def test_deployment_holds(org_a):
    service = ServiceFactory(organization=org_a, slug="payments-api")
    freeze = [{"code": "freeze_active", "message": "frozen", "severity": "deny"}]
    booking = [{"code": "no_booking", "message": "book it", "severity": "deny"}]

    def check(at, decision, reasons=(), version="1.0.0"):
        DeploymentCheckFactory(organization=org_a, service=service, service_slug=service.slug, version=version,
                               checked_at=utc(at), decision=decision, reasons=list(reasons))

    # 1.0.0: denied by a freeze 03-05 10:00 and 12:00 (also no booking at 12:00), allowed 03-05 16:00:
    # a freeze hold of 6 h and a booking hold of 4 h.
    check("03-05 10:00", "deny", freeze)
    check("03-05 12:00", "deny", freeze + booking)
    check("03-05 16:00", "warn")
    # A second freeze episode after that allow: 03-06 08:00 to 03-06 20:00, 12 h.
    check("03-06 08:00", "deny", freeze)
    check("03-06 20:00", "allow")
    # 2.0.0: denied 03-09 10:00 and never allowed: open.
    check("03-09 10:00", "deny", freeze, version="2.0.0")
    holds = report(org_a)["deployment_holds"]
    assert holds["freeze"] == {"count": 2, "median_hours": 9.0, "total_hours": 18.0, "open": 1}
    assert holds["booking"] == {"count": 1, "median_hours": 4.0, "total_hours": 4.0, "open": 0}
    q = query(org_a)
    with tenant_context(org_a):
        records = flow_records(query=q, metric="deployment_holds", cause="freeze")
        rows = records.describe(records.rows)
    assert [(row["held_from"], row["released_at"], row["denied_checks"]) for row in rows] == [
        (utc("03-05 10:00"), utc("03-05 16:00"), 2), (utc("03-06 08:00"), utc("03-06 20:00"), 1)]
    assert "freeze_active" in rows[0]["why"]


@pytest.mark.parametrize("metric", ["booking_decisions", "sign_offs", "deployment_holds"])
def test_records_of_an_empty_organization(org_a, metric):
    q = query(org_a)
    with tenant_context(org_a):
        records = flow_records(query=q, metric=metric)
        assert records.describe(list(records.rows)) == []
