"""vsm/nul.py: where a value holds a NUL character, which PostgreSQL text cannot store."""

from __future__ import annotations

from datetime import UTC, datetime

from integrations import normalized as n
from vsm.nul import nul_at


def item(**changes) -> n.NormalizedWorkItem:
    values = {"source": n.Source.JIRA, "external_id": "1", "key": "PAY-1", "title": "Retry card authorisation",
              "type_raw": "Story", "flow_type": n.FlowType.FEATURE, "status_raw": "Done",
              "status_category": n.StatusCategory.DONE, "created_at": datetime(2025, 3, 4, tzinfo=UTC),
              "updated_at": datetime(2025, 3, 5, tzinfo=UTC), **changes}
    return n.NormalizedWorkItem(**values)


def transition(to_status: str) -> n.NormalizedTransition:
    return n.NormalizedTransition(external_id="7", at=datetime(2025, 3, 4, tzinfo=UTC), from_status="To Do",
                                  to_status=to_status, from_category=n.StatusCategory.TODO,
                                  to_category=n.StatusCategory.DONE)


def test_a_nul_is_found_by_its_path_however_deep():
    assert nul_at(item(), "WorkItem") is None
    assert nul_at(item(title="Retry\x00"), "WorkItem") == "WorkItem.title"
    assert nul_at(item(labels=("ok", "b\x00d")), "WorkItem") == "WorkItem.labels[1]"
    assert nul_at(item(transitions=(transition("Done"), transition("D\x00ne"))), "WorkItem") \
        == "WorkItem.transitions[1].to_status"
    assert nul_at({"a": [{"b\x00": 1}]}, "payload") == "payload.a[0]"


def test_the_text_of_an_escape_is_no_nul():
    assert nul_at(item(title="a literal \\x00 in a title"), "WorkItem") is None
    assert nul_at({"note": "\\x00", "count": 0}, "payload") is None
