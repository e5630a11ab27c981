"""Flow metrics against hand-computed histories (METRICS.md, flow metrics).

The organization runs on Europe/Berlin (UTC+1 in March 2024, before the switch to summer time),
so the window 2024-03-04 .. 2024-03-12 runs from 2024-03-03 23:00 UTC up to 2024-03-12 23:00 UTC,
and the end of each day is 23:00 UTC. Times below are UTC.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from analytics.flow.query import flow_query_parse
from analytics.flow.records import flow_records
from analytics.flow.selectors import flow_report, week_starts
from analytics.models import WorkItemFlow
from tests.analytics.flow_support import item, utc
from tests.factories import OrganizationFactory, ServiceFactory, TeamFactory, ValueStreamFactory
from vsm.errors import InvalidInput
from vsm.tenancy.context import tenant_context

NOW = utc("04-01 12:00")


def query(org, **params):
    data = QueryDict(mutable=True)
    data.update({"from": "2024-03-04", "to": "2024-03-12"})
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    with tenant_context(org):
        return flow_query_parse(params=data, org=org)


@pytest.fixture
def history(berlin, org_b):
    org = berlin
    return {
        # A: in progress 03-04 08:00, blocked 03-05 08:00, back 03-06 08:00, done 03-06 20:00.
        # Flow 60 h = 24 active + 24 blocked + 12 active: 36 h active.
        "A": item(org, created="03-01 09:00", resolved="03-06 20:00", moves=[
            ("03-04 08:00", "In Progress"), ("03-05 08:00", "Blocked"), ("03-06 08:00", "In Progress"),
            ("03-06 20:00", "Done")]),
        # B: a defect never in progress: created 03-05 10:00, straight to Done 03-07 10:00.
        # Flow time from creation: 48 h, 0 h active. Never counted in load.
        "B": item(org, created="03-05 10:00", resolved="03-07 10:00", flow_type="defect",
                  moves=[("03-07 10:00", "Done")]),
        # C: spans the window's start: in progress 02-28 12:00 (2024 is a leap year), ready for QA
        # 03-02 12:00, done 03-04 00:00 (01:00 in Berlin on the 4th: inside the window).
        # Flow 108 h = 72 h active (02-28 12:00 .. 03-02 12:00) + 36 h ready for QA.
        "C": item(org, created="02-27 09:00", resolved="03-04 00:00", moves=[
            ("02-28 12:00", "In Progress"), ("03-02 12:00", "Ready for QA"), ("03-04 00:00", "Done")]),
        # D: done 03-03 22:30, 23:30 in Berlin on the 3rd: before the window, counts nowhere.
        "D": item(org, created="02-20 09:00", resolved="03-03 22:30", flow_type="debt", moves=[
            ("03-01 10:00", "In Progress"), ("03-03 22:30", "Done")]),
        # E: in progress from 03-08 06:00, not done.
        "E": item(org, created="03-07 09:00", moves=[("03-08 06:00", "In Progress")]),
        # F: a risk, in progress 03-09 12:00, done 03-10 23:30 (00:30 on the 11th in Berlin):
        # inside the window, in the second week. Flow 35.5 h, all active.
        "F": item(org, created="03-08 09:00", resolved="03-10 23:30", flow_type="risk", moves=[
            ("03-09 12:00", "In Progress"), ("03-10 23:30", "Done")]),
        # H: in progress 03-12 10:00, done 03-12 23:30 (the 13th in Berlin): after the window.
        "H": item(org, created="03-11 09:00", resolved="03-12 23:30", moves=[
            ("03-12 10:00", "In Progress"), ("03-12 23:30", "Done")]),
        # I: no stored history; the tracker says started 03-05 00:00, resolved 03-05 12:00.
        # Flow time 12 h; left out of efficiency and waits; started and done between two
        # day ends, so never counted in load.
        "I": item(org, created="03-04 09:00", started="03-05 00:00", resolved="03-05 12:00", flow_type="debt",
                  status="Done"),
        # Another organization's item done inside the window must not count anywhere.
        "other": item(org_b, created="03-04 09:00", resolved="03-05 12:00", moves=[
            ("03-04 10:00", "In Progress"), ("03-05 10:00", "Blocked"), ("03-05 12:00", "Done")]),
    }


def test_golden_flow_report(berlin, history):
    q = query(berlin)
    with tenant_context(berlin):
        report = flow_report(query=q, now=NOW)

    # Done in the window: A, B, C, F, I. Week of Monday 03-04: A, B, C (01:00 on the 4th), I;
    # week of 03-11: F (00:30 on the 11th).
    assert report["velocity"] == {"items": 5, "per_week": [
        {"week_start": date(2024, 3, 4), "items": 4}, {"week_start": date(2024, 3, 11), "items": 1}]}
    # Flow times 12, 35.5, 48, 60, 108: the median is 48.
    assert report["flow_time"] == {"median_hours": 48.0, "items": 5}
    # Day ends (23:00 UTC) 03-04 .. 03-12: A, A, -, -, E, E+F, E+F (F done 23:30 >= 23:00), E,
    # E+H (H done 23:30) = 1+1+0+0+1+2+2+1+2 = 10 over 9 days.
    assert report["load"]["per_day"] == [{"date": date(2024, 3, d), "items": n}
                                         for d, n in zip(range(4, 13), [1, 1, 0, 0, 1, 2, 2, 1, 2], strict=True)]
    assert report["load"]["average"] == round(10 / 9, 2)
    # With history: A 36/60, B 0/48, C 72/108, F 35.5/35.5 -> 143.5 / 251.5 (I has none).
    assert report["efficiency"] == {"rate": round(143.5 / 251.5, 4), "active_hours": 143.5,
                                    "flow_hours": 251.5, "items": 4}
    # Shares of 5: feature A, C; defect B; risk F; debt I.
    assert {row["flow_type"]: (row["items"], row["share"]) for row in report["distribution"]["flow_types"]} == {
        "feature": (2, 0.4), "defect": (1, 0.2), "risk": (1, 0.2), "debt": (1, 0.2)}
    # In Progress: A 36, C 72, F 35.5 (median 36); Ready for QA: C 36; Blocked: A 24.
    assert [(s["status"], s["total_hours"], s["median_hours"], s["items"], s["waiting"])
            for s in report["waits"]["statuses"]] == [
        ("In Progress", 143.5, 36.0, 3, False), ("Ready for QA", 36.0, 36.0, 1, True), ("Blocked", 24.0, 24.0, 1, True)]
    assert report["waits"]["bottleneck"]["status"] == "Ready for QA"


def test_empty_scope_reports_nothing_rather_than_zeroes(berlin):
    with tenant_context(berlin):
        report = flow_report(query=query(berlin), now=NOW)
    assert report["velocity"]["items"] == 0
    assert report["flow_time"]["median_hours"] is None
    assert report["efficiency"]["rate"] is None
    assert report["waits"] == {"statuses": [], "bottleneck": None}
    assert all(row["share"] is None for row in report["distribution"]["flow_types"])


def test_load_stops_at_now_inside_the_window(berlin, history):
    # Now is 03-09 00:00 UTC: the days 03-04 .. 03-08 have ended (5 moments), the 9th began at
    # 03-08 23:00 and is read as of now (E in progress): 6 moments, 1+1+0+0+1+1 = 4.
    with tenant_context(berlin):
        report = flow_report(query=query(berlin), now=utc("03-09 00:00"))
    assert [row["items"] for row in report["load"]["per_day"]] == [1, 1, 0, 0, 1, 1]


def test_window_not_begun_has_no_load_but_its_done_items_count(berlin, history):
    # Now is before the window: no day end to count at; the items done in it (by their recorded
    # resolution) still count, from the same statement.
    with tenant_context(berlin):
        report = flow_report(query=query(berlin), now=utc("03-01 00:00"))
    assert report["load"] == {"average": None, "days": 0, "per_day": []}
    assert report["velocity"]["items"] == 5


def test_work_item_numbers_read_the_items_twice(berlin, history):
    """Velocity, flow time, distribution and load in one statement; efficiency and time in
    status in another (docs/analytics.md, "Costs")."""
    with tenant_context(berlin), CaptureQueriesContext(connection) as queries:
        flow_report(query=query(berlin), now=NOW)
    assert len([q for q in queries.captured_queries if WorkItemFlow._meta.db_table in q["sql"]]) == 2


@pytest.mark.parametrize(("params", "keys"), [
    ({"flow_type": "defect"}, {"B"}),
    ({"flow_type": ["risk", "debt"]}, {"F", "I"}),
    ({"value_stream": "payments"}, {"A", "C"}),  # A its own stream, C through its service
    ({"service": "ledger"}, {"C"}),
    ({"team": "checkout"}, {"C"}),
])
def test_scope(berlin, history, params, keys):
    stream = ValueStreamFactory(organization=berlin, slug="payments")
    service = ServiceFactory(organization=berlin, slug="ledger", value_stream=stream,
                             team=TeamFactory(organization=berlin, slug="checkout"))
    with tenant_context(berlin):
        history["A"].value_stream = stream
        history["A"].save()
        history["C"].service = service
        history["C"].save()
        records = flow_records(query=query(berlin, **params), metric="velocity")
        assert {row["key"] for row in records.rows} == {history[k].key for k in keys}


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2024-13-01"}, "from"), ({"to": "soon"}, "to"), ({"from": "2024-03-10", "to": "2024-03-01"}, "from"),
    ({"flow_type": "epic"}, "flow_type"), ({"value_stream": "nope"}, "value_stream"), ({"team": "nope"}, "team"),
    ({"service": "nope"}, "service"),
])
def test_bad_parameters_are_named(org_a, params, field):
    data = QueryDict(mutable=True)
    data.update(params)
    with tenant_context(org_a), pytest.raises(InvalidInput) as error:
        flow_query_parse(params=data, org=org_a)
    assert field in error.value.fields


def test_another_organizations_slug_is_unknown(org_a):
    other = OrganizationFactory(slug="initech")
    ValueStreamFactory(organization=other, slug="secret")
    data = QueryDict("value_stream=secret")
    with tenant_context(org_a), pytest.raises(InvalidInput):
        flow_query_parse(params=data, org=org_a)


def test_week_starts_cover_every_overlapping_iso_week():
    # Sunday 03-03 .. Monday 03-11 overlaps three ISO weeks.
    assert week_starts(date(2024, 3, 3), date(2024, 3, 11)) == [date(2024, 2, 26), date(2024, 3, 4), date(2024, 3, 11)]
