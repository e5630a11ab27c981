"""What the layout promises, checked on the server's answers: freezes in force collapse into one
line with a count, overlapping freezes get lanes on the release calendar, the environment
calendar starts today, and a failed sign-in marks its fields aria-invalid."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from releases.views import _in_lanes
from tests.factories import UserFactory
from tests.releases.factories import FreezeWindowFactory

pytestmark = pytest.mark.django_db


def test_freezes_that_overlap_in_time_get_lanes_of_their_own():
    bars = _in_lanes([{"left": 0, "width": 50}, {"left": 10, "width": 10}, {"left": 30, "width": 40},
                      {"left": 60, "width": 5}])
    assert [bar["lane"] for bar in bars] == [0, 1, 1, 0]


def test_several_freezes_in_force_are_one_line_with_a_count(org_a, client_a):
    FreezeWindowFactory(organization=org_a, name="Quarter-end freeze")
    one = client_a.get(f"/o/{org_a.slug}/releases/").content.decode()
    assert one.count('data-testid="freeze-banner"') == 1 and "Freeze in force: Quarter-end freeze" in one
    FreezeWindowFactory(organization=org_a, name="Holiday freeze")
    two = client_a.get(f"/o/{org_a.slug}/releases/").content.decode()
    assert two.count('data-testid="freeze-banner"') == 1
    assert re.search(r"<summary><strong>2 freezes in force</strong>: (Quarter-end|Holiday) freeze, ", two)


def test_the_environment_calendar_opens_on_today(org_a, client_a):
    body = client_a.get(f"/o/{org_a.slug}/environments/calendar/").content.decode()
    columns = re.findall(r'<span (class="today")?>(\w{3} \d\d)</span>', body)
    today = timezone.localdate(timezone=org_a.tzinfo).strftime("%a %d")
    assert len(columns) == 7 and columns[0] == ('class="today"', today)


def test_a_failed_sign_in_marks_both_fields_invalid(client):
    UserFactory(email="rita@example.com")
    body = client.post("/accounts/login/", {"username": "rita@example.com", "password": "wrong"}).content.decode()
    fields = re.findall(r"<input[^>]+name=\"(?:username|password)\"[^>]*>", body)
    assert len(fields) == 2 and all('aria-invalid="true"' in f and 'aria-describedby="form-errors"' in f
                                    for f in fields)
    assert 'id="form-errors"' in body
