"""The value stream map's stored row per work item (analytics.WorkItemMap): PostgreSQL keeps it
with the item's history and the derivation with its key's delivery events, a rebuild rewrites
nothing, and the map read from its stored seconds is the map computed by intersecting the waits."""

from __future__ import annotations

from django.db import connection

from analytics.models import WorkItemMap
from analytics.streammap.items import MAPS, work_item_maps_rebuild
from analytics.streammap.selectors import map_stages, value_stream_map, value_stream_map_records
from integrations.models import WorkItem, WorkItemTransition
from releases.models import Phase, Release
from tests.analytics.factories import ValueStreamStageFactory, work_item_map
from tests.analytics.flow_support import item, utc
from tests.analytics.test_vsm_golden import _query
from tests.analytics.vsm_support import Delivery, golden_history
from tests.integrations.factories import WorkItemTransitionFactory
from vsm.tenancy.context import tenant_context


def _everything(org) -> list:
    """The map and the rows behind each of its stages."""
    with tenant_context(org):
        query = _query(org)
        stages, _origin = map_stages(query)
        return [value_stream_map(query=query), *(
            value_stream_map_records(query=query, stage=str(position))[0:50] for position in range(len(stages) + 1))]


def _rewrite(org, assignment: str) -> None:
    with tenant_context(org), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {MAPS} SET {assignment}")


def _versions(org) -> dict[int, str]:
    with tenant_context(org), connection.cursor() as cursor:
        cursor.execute(f"SELECT work_item_id, xmin::text FROM {MAPS}")
        return dict(cursor.fetchall())


def test_the_stored_seconds_give_the_map_the_intersection_gives(org_a, org_b):
    golden_history(org_b)
    golden_history(org_a)
    with tenant_context(org_a):
        # Without the release gates every item reads its stored seconds (a gate's queue is added per request).
        Phase.objects.all().delete()
        Release.objects.all().delete()
    for stages in ([], [("work_created", "work_done"), ("work_started", "production_deploy"),
                        ("pr_first_review", "first_test_deploy")]):
        for position, (start, end) in enumerate(stages):
            ValueStreamStageFactory(organization=org_a, position=position, start_event=start, end_event=end)
        stored = _everything(org_a)
        assert stored[0]["totals"]["waiting_hours"] > 0
        # The stored seconds are what the map reads: doubled, the waits change.
        _rewrite(org_a, "waited = (SELECT array_agg(s * 2 ORDER BY n) FROM unnest(waited) WITH ORDINALITY AS w(s, n))")
        assert _everything(org_a) != stored
        # Without them (or with instants that no longer match the item's) the map intersects the stored waits.
        _rewrite(org_a, "waited = '{}'")
        assert _everything(org_a) == stored
        _rewrite(org_a, "instants = '{}'")
        with tenant_context(org_a):
            work_item_maps_rebuild()
        assert _everything(org_a) == stored


def test_the_row_follows_the_status_history_and_a_rebuild_rewrites_nothing(org_a):
    work_item = item(org_a, created="03-01 08:00", key="ABC-7", resolved="03-05 12:00",
                     moves=[("03-01 09:00", "In Progress"), ("03-02 09:00", "Blocked"), ("03-02 21:00", "In Progress"),
                            ("03-05 12:00", "Done")])
    row = work_item_map(work_item)
    assert [(span.lower, span.upper) for span in row.waiting] == [(utc("03-02 09:00"), utc("03-02 21:00"))]
    # Created, started, (no delivery events, no gate), done: 12 hours waited before done.
    assert row.instants[:2] == [utc("03-01 08:00"), utc("03-01 09:00")] and row.instants[-1] == utc("03-05 12:00")
    assert [None if s is None else float(s) for s in row.waited] == [0, 0, None, None, None, None, None, None, 43200]
    with tenant_context(org_a):
        WorkItemTransitionFactory(organization=org_a, work_item=work_item, at=utc("03-03 09:00"), to_status="Blocked",
                                  to_category="in_progress", to_waiting=True)
    assert len(work_item_map(work_item).waiting) == 2
    with tenant_context(org_a):
        WorkItemTransition.objects.filter(to_status="Blocked").update(to_waiting=False)
    assert work_item_map(work_item).waiting == [] and work_item_map(work_item).waited[-1] == 0
    before = _versions(org_a)
    with tenant_context(org_a):
        work_item_maps_rebuild()
    assert _versions(org_a) == before


def test_a_derivation_rewrites_the_rows_of_the_keys_it_changed(org_a):
    d = Delivery(org_a)
    changed = item(org_a, created="03-01 08:00", key="ABC-1", service=d.service, moves=[("03-01 09:00", "In Progress")])
    untouched = item(org_a, created="03-01 08:00", key="ABC-2", service=d.service)
    before = _versions(org_a)
    d.pull_request("ABC-1", "aaa", "03-02 09:00", reviewed="03-02 11:00", merged="03-02 12:00")
    d.derive()
    row = work_item_map(changed)
    assert row.instants[2:5] == [utc("03-02 09:00"), utc("03-02 11:00"), utc("03-02 12:00")]
    # The review wait (2 h); no test deployment yet, so no test queue.
    assert [(span.lower, span.upper) for span in row.waiting] == [(utc("03-02 09:00"), utc("03-02 11:00"))]
    assert float(row.waited[4]) == 7200
    after = _versions(org_a)
    assert after[untouched.pk] == before[untouched.pk] and after[changed.pk] != before[changed.pk]
    with tenant_context(org_a):
        assert WorkItemMap.objects.count() == 2


def test_a_deleted_work_item_takes_its_row_with_it(org_a):
    work_item = item(org_a, created="03-01 08:00", key="ABC-8", moves=[("03-01 09:00", "Blocked")])
    with tenant_context(org_a):
        work_item.delete()
        assert not WorkItemMap.objects.exists()


def test_only_writes_that_can_move_the_row_recompute_it(org_a):
    """A row set wrong on purpose stays wrong through writes that cannot move it (a replayed page
    records when it saw the item; an entry into to-do in a history without waiting statuses) and
    is put right by the first write that can (a waiting status, a new key)."""
    work_item = item(org_a, created="03-01 09:00")

    def wrong() -> bool:
        with tenant_context(org_a):
            return WorkItemMap.objects.get(work_item=work_item).instants == []

    _rewrite(org_a, "instants = '{}'")
    with tenant_context(org_a):
        WorkItem.objects.filter(pk=work_item.pk).update(last_seen_at=utc("03-09 09:00"), title="Renamed")
        WorkItemTransition.objects.create(work_item=work_item, external_id="back", at=utc("03-02 09:00"),
                                          to_status="Backlog", to_category="todo")
    assert wrong()
    with tenant_context(org_a):
        WorkItemTransition.objects.create(work_item=work_item, external_id="blocked", at=utc("03-03 09:00"),
                                          to_status="Blocked", to_category="todo", to_waiting=True)
    assert not wrong()
    _rewrite(org_a, "instants = '{}'")
    with tenant_context(org_a):
        WorkItemTransition.objects.create(work_item=work_item, external_id="back-again", at=utc("03-04 09:00"),
                                          to_status="Backlog", to_category="todo")
    assert not wrong()  # it ends a wait
    _rewrite(org_a, "instants = '{}'")
    with tenant_context(org_a):
        WorkItem.objects.filter(pk=work_item.pk).update(key="NEW-1")
    assert not wrong()
