"""The stored flow instants (analytics.WorkItemFlow) follow every write of a work item and its
history, in the writer's transaction, and equal what a rebuild from scratch computes; writing
the same data again rewrites nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection, transaction

from analytics.flow.store import work_item_flows_rebuild
from analytics.models import WorkItemFlow, WorkItemMap
from integrations import normalized as n
from integrations.models import WorkItem, WorkItemTransition
from integrations.services.ingest import records_ingest
from tests.analytics.flow_support import item, utc
from tests.integrations.factories import WorkItemTransitionFactory
from vsm.tenancy.context import tenant_context

FIELDS = ("first_in_progress", "start_at", "load_start_at", "done_at")


def _stored(work_item) -> dict:
    return WorkItemFlow.objects.values(*FIELDS).get(work_item=work_item)


def _versions() -> dict[int, str]:
    """Each stored row's xmin: it moves whenever PostgreSQL rewrites the row."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT work_item_id, xmin::text FROM {WorkItemFlow._meta.db_table}")
        return dict(cursor.fetchall())


def test_each_write_of_an_item_or_its_history_updates_the_stored_row(org_a, org_b):
    work_item = item(org_a, created="03-01 09:00")
    with tenant_context(org_a):
        assert _stored(work_item) == {"first_in_progress": None, "start_at": utc("03-01 09:00"),
                                      "load_start_at": None, "done_at": None}
    WorkItemTransitionFactory(organization=org_a, work_item=work_item, at=utc("03-02 10:00"), to_status="In Progress",
                              to_category="in_progress")
    with tenant_context(org_a):
        assert _stored(work_item)["first_in_progress"] == utc("03-02 10:00")
        assert _stored(work_item)["load_start_at"] == utc("03-02 10:00")
        # An earlier entry into progress, arriving late, moves the start back.
        WorkItemTransition.objects.create(work_item=work_item, external_id="late", at=utc("03-01 12:00"),
                                          to_status="In Progress", to_category="in_progress")
        assert _stored(work_item)["start_at"] == utc("03-01 12:00")
        WorkItemTransition.objects.create(work_item=work_item, external_id="done", at=utc("03-04 12:00"),
                                          to_status="Done", to_category="done")
        WorkItem.objects.filter(pk=work_item.pk).update(status_category="done")
        assert _stored(work_item)["done_at"] == utc("03-04 12:00")  # no resolution: the last entry into done
        WorkItem.objects.filter(pk=work_item.pk).update(resolved_at=utc("03-04 13:00"))
        assert _stored(work_item)["done_at"] == utc("03-04 13:00")
        # A mapping that re-files a status (an UPDATE) and a deleted transition count too.
        WorkItemTransition.objects.filter(external_id="late").update(to_category="todo")
        assert _stored(work_item)["start_at"] == utc("03-02 10:00")
        WorkItemTransition.objects.filter(work_item=work_item, to_category="in_progress").delete()
        assert _stored(work_item)["first_in_progress"] is None
        # Reopened: not done any more.
        WorkItem.objects.filter(pk=work_item.pk).update(status_category="in_progress")
        assert _stored(work_item)["done_at"] is None
    with tenant_context(org_b):
        assert not WorkItemFlow.objects.exists()  # row-level security holds for the stored rows


def _record(*moves: tuple[str, str, str]) -> n.NormalizedWorkItem:
    transitions = tuple(n.NormalizedTransition(
        external_id=external_id, at=datetime.fromisoformat(at).replace(tzinfo=UTC), from_status=None,
        to_status=status, from_category=None, to_category=n.StatusCategory(category))
        for external_id, at, status, category in
        ((f"h{k}", at, status, {"In Progress": "in_progress", "Done": "done"}[status])
         for k, (at, status, _note) in enumerate(moves)))
    done = moves and moves[-1][1] == "Done"
    return n.NormalizedWorkItem(
        source=n.Source.JIRA, external_id="10001", key="ABC-1", title="Ingested", type_raw="Story",
        flow_type=n.FlowType.FEATURE, status_raw=moves[-1][1] if moves else "To Do",
        status_category=n.StatusCategory.DONE if done else n.StatusCategory.IN_PROGRESS,
        created_at=datetime(2024, 3, 1, 9, tzinfo=UTC), transitions=transitions)


def test_ingest_keeps_it_and_replays_and_rebuilds_write_nothing(org_a):
    with tenant_context(org_a):
        records_ingest(connection=None, records=[_record(("2024-03-02T10:00", "In Progress", ""))])
        work_item = WorkItem.objects.get(key="ABC-1")
        assert _stored(work_item)["start_at"] == utc("03-02 10:00") and _stored(work_item)["done_at"] is None
        # A new transition arrives with the next sync: the row follows.
        history = _record(("2024-03-02T10:00", "In Progress", ""), ("2024-03-05T16:00", "Done", ""))
        records_ingest(connection=None, records=[history])
        assert _stored(work_item)["done_at"] == utc("03-05 16:00")
        before = _versions()
        records_ingest(connection=None, records=[history])  # the same records again
        work_item_flows_rebuild()
        work_item_flows_rebuild()
        assert _versions() == before  # nothing rewritten
        incremental = _stored(work_item)
        WorkItemFlow.objects.all().delete()
        work_item_flows_rebuild()
        assert _stored(work_item) == incremental


def test_only_writes_that_can_move_the_instants_recompute_them(org_a):
    """A row set wrong on purpose stays wrong through writes that cannot move the instants (so
    they were not recomputed: a replayed page only records when it saw the item) and is put
    right by the first write that can."""
    work_item = item(org_a, created="03-01 09:00")
    wrong = utc("01-01 00:00")
    with tenant_context(org_a):
        def set_wrong():
            WorkItemFlow.objects.filter(work_item=work_item).update(start_at=wrong)

        set_wrong()
        WorkItem.objects.filter(pk=work_item.pk).update(last_seen_at=utc("03-09 09:00"), title="Renamed")
        WorkItemTransition.objects.create(work_item=work_item, external_id="back", at=utc("03-02 09:00"),
                                          to_status="Backlog", to_category="todo")
        assert _stored(work_item)["start_at"] == wrong
        WorkItem.objects.filter(pk=work_item.pk).update(started_at=utc("03-03 09:00"))
        assert _stored(work_item)["start_at"] == utc("03-03 09:00")
        set_wrong()
        WorkItemTransition.objects.create(work_item=work_item, external_id="go", at=utc("03-02 10:00"),
                                          to_status="In Progress", to_category="in_progress")
        right = utc("03-02 10:00")
        assert _stored(work_item)["start_at"] == right

        def entry_into_done(external_id: str, *, recomputed: bool):
            set_wrong()
            WorkItemTransition.objects.create(work_item=work_item, external_id=external_id, at=utc("03-04 10:00"),
                                              to_status="Done", to_category="done")
            assert _stored(work_item)["start_at"] == (right if recomputed else wrong), external_id

        entry_into_done("end", recomputed=False)  # the item is not done
        set_wrong()
        WorkItem.objects.filter(pk=work_item.pk).update(status_category="done")
        assert _stored(work_item)["start_at"] == right
        entry_into_done("again", recomputed=True)  # done without a resolution time: this entry may be its end
        set_wrong()
        WorkItem.objects.filter(pk=work_item.pk).update(resolved_at=utc("03-05 10:00"))
        assert _stored(work_item)["start_at"] == right
        entry_into_done("late", recomputed=False)  # the resolution time is the end
        set_wrong()
        WorkItem.objects.filter(pk=work_item.pk).update(created_at=utc("02-28 09:00"))
        assert _stored(work_item)["start_at"] == right


def test_ingest_refreshes_its_items_once_and_hands_the_triggers_back(org_a):
    """Ingest defers the rows to the end of its batch (integrations.item_rows): the flow row and
    the map row of a new item with its history are right after it, written once (the triggers
    would insert each row, then rewrite it for the history); and a write after it in the same
    transaction is kept by the triggers again."""
    def writes(table: str) -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT n_tup_ins, n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = %s", [table])
            return cursor.fetchone()

    with tenant_context(org_a), transaction.atomic():
        history = _record(("2024-03-02T10:00", "In Progress", ""), ("2024-03-05T16:00", "Done", ""))
        tables = (WorkItemFlow._meta.db_table, WorkItemMap._meta.db_table)
        before = [writes(table) for table in tables]
        records_ingest(connection=None, records=[history])
        work_item = WorkItem.objects.get(key="ABC-1")
        assert _stored(work_item) == {"first_in_progress": utc("03-02 10:00"), "start_at": utc("03-02 10:00"),
                                      "load_start_at": utc("03-02 10:00"), "done_at": utc("03-05 16:00")}
        # One insert of each row, no rewrite (the counts of this transaction so far).
        assert [tuple(a - b for a, b in zip(writes(table), was, strict=True))
                for table, was in zip(tables, before, strict=True)] == [(1, 0), (1, 0)]
        assert WorkItemMap.objects.filter(work_item=work_item).exists()
        # The same transaction goes on: the triggers keep the row again.
        WorkItem.objects.filter(pk=work_item.pk).update(status_category="in_progress")
        assert _stored(work_item)["done_at"] is None
