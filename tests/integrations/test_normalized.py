"""Helpers of the normalized record API."""

from __future__ import annotations

import dataclasses

import pytest

from integrations.normalized import (
    NormalizedTransition,
    Parsed,
    StatusCategory,
    first_started_at,
    work_item_keys,
)
from tests.integrations.support import utc


@pytest.mark.parametrize(("texts", "branches", "keys"), [
    (("PAY-312: fix rounding",), ["feature/pay-313-rounding"], ("PAY-312", "PAY-313")),
    (("[OPS-7] and OPS-7 again",), ["OPS-7"], ("OPS-7",)),
    (("MS-Viewport",), ["ms-viewport"], ()),  # no number: not a key
    (("see ABC-0 and utf-8 and X-1",), [], ()),  # zero, lower case outside a branch, one-letter project
    (("A1B-22 fix",), [None], ("A1B-22",)),
    ((None, ""), [""], ()),
])
def test_work_item_keys(texts, branches, keys):
    assert work_item_keys(*texts, branches=branches) == keys


def _transition(at, category):
    return NormalizedTransition(external_id=str(at.day), at=at, from_status=None, to_status="x",
                                from_category=None, to_category=category)


def test_flow_start_is_the_first_entry_into_progress():
    doing, todo, done = StatusCategory.IN_PROGRESS, StatusCategory.TODO, StatusCategory.DONE
    history = [_transition(utc(2024, 1, 5), doing), _transition(utc(2024, 1, 2), todo),
               _transition(utc(2024, 1, 3), doing), _transition(utc(2024, 1, 9), done)]
    assert first_started_at(history) == utc(2024, 1, 3)
    assert first_started_at(history[1:2]) is None


def test_records_are_frozen():
    parsed = Parsed.skip("because")
    with pytest.raises(dataclasses.FrozenInstanceError):
        parsed.ignored = "other"
