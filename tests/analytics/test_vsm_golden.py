"""The value stream map against the hand-computed history of tests/analytics/vsm_support.py.

Waiting intervals (merged where they overlap):
ABC-1: Blocked 03-02 09:00-21:00 and the review wait 03-02 09:00-03-03 09:00 -> one interval
  03-02 09:00-03-03 09:00 (24 h); queue before the test deployment 03-03 21:00-03-04 09:00 (12 h);
  queue after the gate (03-05 09:00, the latest gate passage not after production) until the
  production deployment starts 03-05 21:00 (12 h).
ABC-2: review waits 03-04 12:00-14:00 (2 h) and 03-05 08:00-20:00 (ccc never reviewed: until
  merged); test queues 03-04 16:00-03-05 00:00 (8 h) and 03-05 20:00-03-06 00:00, which joins the
  second review wait into 03-05 08:00-03-06 00:00 (16 h); gate 03-06 12:00 to production start
  03-07 10:00 (22 h).

Events. ABC-1: started 03-01 09:00, PR opened 03-02 09:00 (the abandoned one does not count),
merged 03-03 21:00, first test deployment 03-04 10:00, gate 03-05 09:00, production 03-05 22:00.
ABC-2: started 03-04 08:00, PR opened 03-04 12:00, merged 03-05 20:00 (the later of its two
pull requests), first test deployment 03-06 02:00 (the later of each change's first), gate
03-06 12:00 (03-06 12:00 <= production 03-07 11:00), production 03-07 11:00.
"""

from __future__ import annotations

import pytest
from django.http import QueryDict

from analytics.query import metric_query_parse
from analytics.streammap.events import DEFAULT_STAGES
from analytics.streammap.selectors import value_stream_map, value_stream_map_records
from analytics.streammap.services import value_stream_stage_create
from tests.analytics.vsm_support import golden_history
from tests.factories import ValueStreamFactory
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role


def _query(org, **params):
    data = QueryDict(mutable=True)
    data.update({"from": "2024-03-04", "to": "2024-03-12", **params})
    return metric_query_parse(params=data, org=org)


@pytest.fixture
def golden(org_a, org_b):
    golden_history(org_b)  # the same keys in another organization: never seen
    return golden_history(org_a)


def _report(org, **params):
    with tenant_context(org):
        return value_stream_map(query=_query(org, **params))


def test_every_stage_median_by_hand(org_a, golden):
    report = _report(org_a)
    assert report["stages_from"] == "built_in"
    assert [s["name"] for s in report["stages"]] == [s.name for s in DEFAULT_STAGES]
    medians = [(s["items"], s["median_hours"], s["median_active_hours"], s["median_waiting_hours"])
               for s in report["stages"]]
    assert medians == [
        # In progress: ABC-1 03-01 09:00 -> 03-02 09:00 = 24 h, no wait; ABC-2 03-04 08:00 -> 12:00 = 4 h.
        # Median (24 + 4) / 2 = 14, all active.
        (2, 14.0, 14.0, 0.0),
        # Pull request open: ABC-1 03-02 09:00 -> 03-03 21:00 = 36 h, 24 waiting, 12 active;
        # ABC-2 03-04 12:00 -> 03-05 20:00 = 32 h, waiting 2 + 8 + 12 = 22, active 10.
        # Medians (36 + 32) / 2 = 34, active (12 + 10) / 2 = 11, waiting (24 + 22) / 2 = 23.
        (2, 34.0, 11.0, 23.0),
        # Merged, awaiting a test deployment: ABC-1 03-03 21:00 -> 03-04 10:00 = 13 h, 12 queued, 1 active;
        # ABC-2 03-05 20:00 -> 03-06 02:00 = 6 h, 4 queued, 2 active. (13 + 6) / 2 = 9.5, (1 + 2) / 2 = 1.5,
        # (12 + 4) / 2 = 8.
        (2, 9.5, 1.5, 8.0),
        # In test until the gate: ABC-1 03-04 10:00 -> 03-05 09:00 = 23 h; ABC-2 03-06 02:00 -> 12:00 = 10 h;
        # no wait. (23 + 10) / 2 = 16.5.
        (2, 16.5, 16.5, 0.0),
        # Gate passed, awaiting production: ABC-1 03-05 09:00 -> 22:00 = 13 h, 12 queued, 1 active;
        # ABC-2 03-06 12:00 -> 03-07 11:00 = 23 h, 22 queued, 1 active. (13 + 23) / 2 = 18, 1, (12 + 22) / 2 = 17.
        (2, 18.0, 1.0, 17.0),
    ]
    # Whole map: ABC-1 03-01 09:00 -> 03-05 22:00 = 109 h, waiting 24 + 12 + 12 = 48, active 61;
    # ABC-2 03-04 08:00 -> 03-07 11:00 = 75 h, waiting 2 + 8 + 16 + 22 = 48, active 27.
    # Lead time (109 + 75) / 2 = 92, active (61 + 27) / 2 = 44, waiting 48;
    # flow efficiency (61 + 27) / (109 + 75) = 88 / 184 = 0.4783.
    assert report["totals"] == {
        "items": 2, "median_hours": 92.0, "median_active_hours": 44.0, "median_waiting_hours": 48.0,
        "total_hours": 184.0, "active_hours": 88.0, "waiting_hours": 96.0, "flow_efficiency": 0.4783}
    assert report["coverage"]["items"] == 2
    assert set(report["coverage"]["events"].values()) == {2}


def test_stage_drill_down_lists_the_items_behind_the_median(org_a, golden):
    with tenant_context(org_a):
        records = value_stream_map_records(query=_query(org_a), stage="1")
        assert records.count() == 2
        rows = records[0:50]
    assert [(r["key"], r["hours"], r["active_hours"], r["waiting_hours"]) for r in rows] == [
        ("ABC-1", 36.0, 12.0, 24.0), ("ABC-2", 32.0, 10.0, 22.0)]
    assert "pull request opened 2024-03-02 09:00" in rows[0]["why"].lower()


def test_whole_map_and_event_drill_downs(org_a, golden):
    with tenant_context(org_a):
        whole = value_stream_map_records(query=_query(org_a), stage=str(len(DEFAULT_STAGES)))
        assert [r["hours"] for r in whole[0:10]] == [109.0, 75.0]
        items = value_stream_map_records(query=_query(org_a), event="gate_passed")
        assert items.count() == 2 and "every event found" in items[0:10][0]["why"]


def test_custom_stages_of_a_value_stream(org_a, golden, owner_a):
    actor = Actor(role=Role.OWNER, user=owner_a)
    with tenant_context(org_a):
        # The organization's default map: one stage from start to done.
        value_stream_stage_create(actor=actor, value_stream=None, name="Start to done", start_event="work_started",
                                  end_event="work_done")
        # The payments stream's own: review and the way from merge to production.
        value_stream_stage_create(actor=actor, value_stream=golden.stream, name="Review",
                                  start_event="pr_opened", end_event="pr_first_review")
        value_stream_stage_create(actor=actor, value_stream=golden.stream, name="Merge to production",
                                  start_event="pr_merged", end_event="production_deploy")
    default = _report(org_a)
    assert default["stages_from"] == "organization"
    # Start to done: ABC-1 03-01 09:00 -> 03-06 12:00 = 123 h; ABC-2 03-04 08:00 -> 03-08 08:00 = 96 h.
    # (123 + 96) / 2 = 109.5. Waiting: ABC-1 48 h (every interval lies inside); ABC-2 48 h. Median 48.
    stage = default["stages"][0]
    assert (stage["median_hours"], stage["median_waiting_hours"]) == (109.5, 48.0)

    stream = _report(org_a, value_stream="payments")
    assert stream["stages_from"] == "value_stream"
    review, merge_to_production = stream["stages"]
    # Review: ABC-1 03-02 09:00 -> 03-03 09:00 = 24 h; ABC-2 03-04 12:00 -> 14:00 = 2 h (the earliest
    # review). (24 + 2) / 2 = 13, all of it waiting for the review.
    assert (review["median_hours"], review["median_waiting_hours"], review["median_active_hours"]) == (13.0, 13.0, 0.0)
    # Merge to production: ABC-1 03-03 21:00 -> 03-05 22:00 = 49 h, waiting 12 + 12 = 24;
    # ABC-2 03-05 20:00 -> 03-07 11:00 = 39 h, waiting 4 (03-05 20:00-03-06 00:00) + 22 = 26.
    # (49 + 39) / 2 = 44, waiting (24 + 26) / 2 = 25.
    assert (merge_to_production["median_hours"], merge_to_production["median_waiting_hours"]) == (44.0, 25.0)
    # Whole map of that stream: pr_opened -> production_deploy; 36 + 13 + 23 + 13 = 85 h and
    # 32 + 6 + 10 + 23 = 71 h: (85 + 71) / 2 = 78.
    assert stream["totals"]["median_hours"] == 78.0


@pytest.mark.parametrize(("stream", "items"), [("payments", 2), ("billing", 0)])
def test_scope_by_value_stream(org_a, golden, stream, items):
    ValueStreamFactory(organization=org_a, slug="billing")
    assert _report(org_a, value_stream=stream)["totals"]["items"] == items
