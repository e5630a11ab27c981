"""The recurrence picker (vsm/recurrence.py): the RRULE each choice builds, the rule in words,
and the preview of the next occurrences."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from vsm.recurrence import build_rule, next_occurrences, rule_words

BERLIN = ZoneInfo("Europe/Berlin")
# A Tuesday, the second of its month.
START = datetime(2027, 3, 9, 18, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(("choices", "rule"), [
    ({"repeat": "daily"}, "FREQ=DAILY"),
    ({"repeat": "weekly", "weekdays": ["TH", "TU"]}, "FREQ=WEEKLY;BYDAY=TU,TH"),
    ({"repeat": "weekly"}, "FREQ=WEEKLY;BYDAY=TU"),
    ({"repeat": "weekly", "interval": 2, "weekdays": ["FR"], "ends": "count", "count": 4},
     "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;COUNT=4"),
    ({"repeat": "monthly_date"}, "FREQ=MONTHLY;BYMONTHDAY=9"),
    ({"repeat": "monthly_weekday"}, "FREQ=MONTHLY;BYDAY=2TU"),
    ({"repeat": "daily", "ends": "until", "until": date(2027, 3, 12)}, "FREQ=DAILY;UNTIL=20270312T225959Z"),
    ({"repeat": ""}, ""),
])
def test_each_choice_builds_its_rule(choices, rule):
    arguments = {"interval": 1, "weekdays": [], "ends": "never", **choices}
    assert build_rule(start=START, **arguments) == rule


@pytest.mark.parametrize(("rule", "words"), [
    ("FREQ=DAILY", "daily"),
    ("FREQ=WEEKLY;BYDAY=TU,TH", "weekly on Tuesday and Thursday"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;COUNT=6", "every 2 weeks on Monday, Wednesday and Friday, 6 times"),
    ("FREQ=MONTHLY;BYDAY=-1FR", "monthly on the last Friday"),
    ("FREQ=MONTHLY;BYMONTHDAY=15", "monthly on day 15"),
    ("FREQ=DAILY;UNTIL=20270312T225959Z", "daily, until Fri 12 Mar 2027"),
    ("FREQ=YEARLY;BYMONTH=12", "repeats by a custom rule"),
    ("", "does not repeat"),
])
def test_a_rule_reads_as_words(rule, words):
    assert rule_words(rule) == words


def test_the_preview_lists_the_next_five_starts_at_the_same_wall_clock_time_across_a_dst_change():
    starts = next_occurrences("FREQ=WEEKLY;BYDAY=TU,TH", START, BERLIN)
    assert [f"{moment:%a %d %H:%M}" for moment in starts] == [
        "Tue 09 18:00", "Thu 11 18:00", "Tue 16 18:00", "Thu 18 18:00", "Tue 23 18:00"]
    assert next_occurrences("FREQ=DAILY", datetime(2027, 3, 27, 9, tzinfo=BERLIN), BERLIN, count=2)[1].utcoffset() \
        != datetime(2027, 3, 27, 9, tzinfo=BERLIN).utcoffset()  # 28 March: summer time, still 09:00 local
