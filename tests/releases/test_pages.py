"""Release pages: list, create from a template, detail with gates, advancing, moving phases with
the collision preview, calendar, evidence pack, freeze windows and their banner, slots, feed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from environments.feeds import make_feed_token
from releases.feeds import KIND
from releases.models import FreezeWindow, Release, SlotBooking
from tests.environments.factories import BookingFactory
from tests.releases.conftest import next_monday
from tests.releases.factories import (
    FreezeWindowFactory,
    PhaseFactory,
    ReleaseFactory,
    ReleaseSlotWindowFactory,
)
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

BASE = "/o/acme/releases"


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def rm_client(client, manager):
    client.force_login(manager.user)
    return client


def test_the_list_shows_releases_in_a_fixed_number_of_queries(world, client_a, org_a, assert_max_queries):
    train = ReleaseFactory(organization=org_a, kind="enterprise", name="Spring train")
    for _ in range(8):
        child = ReleaseFactory(organization=org_a, parent=train, name="Child")
        PhaseFactory(organization=org_a, release=child, status="active", name="UAT")
    with assert_max_queries(14):
        response = client_a.get(f"{BASE}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Spring train" in body and "8 child releases" in body and "UAT" in body
    assert client_a.get(f"{BASE}/?status=nope").status_code == 400


def test_a_release_is_created_from_the_template_on_the_page(world, rm_client, in_a):
    response = rm_client.post(f"{BASE}/new/", {
        "template": world.template.pk, "name": "Payments", "version": "2025.05", "value_stream": "payments",
        "kind": "project", "planned_start": local(next_monday()), "risk": "high", "strategy": "blue_green",
        "services": ["payments-api"]})
    release = Release.objects.get(version="2025.05")
    assert response.status_code == 302 and response["Location"].endswith(f"/releases/{release.pk}/")
    assert release.phases.count() == 4 and release.strategy == "blue_green"


@pytest.mark.parametrize(("change", "field"), [
    ({"planned_start": ""}, "planned_start"),
    ({"version": ""}, "version"),
    ({"services": ["nope"]}, "services"),
])
def test_bad_input_rerenders_the_form_with_400(world, rm_client, change, field):
    data = {"template": world.template.pk, "name": "P", "version": "1", "kind": "project",
            "planned_start": local(next_monday()), "risk": "low", "strategy": "rolling", **change}
    response = rm_client.post(f"{BASE}/new/", data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]


def test_an_engineer_may_not_create_releases(world, client, member_factory):
    client.force_login(member_factory(Role.ENGINEER))
    assert client.post(f"{BASE}/new/", {"name": "x", "version": "1"}).status_code == 403


def test_the_detail_shows_every_gate_checklist_in_a_fixed_number_of_queries(world, client_a, make_release,
                                                                            assert_max_queries):
    release = make_release()
    with assert_max_queries(30):
        response = client_a.get(f"{BASE}/{release.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="gate-checklist"') == 8
    assert "Start BUILD" in body and "Test lead sign-off" in body


def test_advancing_past_an_unmet_gate_on_the_page_answers_409_naming_it(world, rm_client, make_release, in_a):
    release = make_release()
    build = release.phases.get(name="BUILD")
    assert rm_client.post(f"{BASE}/{release.pk}/advance/", {"phase": build.pk}).status_code == 302
    response = rm_client.post(f"{BASE}/{release.pk}/advance/", {"phase": build.pk})
    assert response.status_code == 409
    assert "Build and unit tests passed" in response.content.decode()
    build.refresh_from_db()
    assert build.status == "active"


def test_moving_a_phase_previews_collisions_before_saving(world, rm_client, make_release, org_a, in_a):
    release = make_release()
    uat = release.phases.get(name="UAT")
    start = uat.planned_start + timedelta(days=20)
    FreezeWindowFactory(organization=org_a, name="Audit freeze", starts_at=start, ends_at=start + timedelta(days=1))
    BookingFactory(organization=org_a, environment=world.uat, start=start, hours=4, purpose="Someone else")
    assert rm_client.get(f"{BASE}/phases/{uat.pk}/edit/").status_code == 200
    data = {"name": "UAT", "environment": "payments-uat", "planned_start": local(start),
            "planned_end": local(start + timedelta(days=2))}
    preview = rm_client.get(f"{BASE}/phases/{uat.pk}/preview/", data)
    body = preview.content.decode()
    assert preview.status_code == 200 and "Audit freeze" in body and 'data-testid="collision-booking"' in body
    bad = rm_client.get(f"{BASE}/phases/{uat.pk}/preview/", {**data, "planned_end": "later"})
    assert bad.status_code == 200 and "collision-problem" in bad.content.decode()
    assert rm_client.post(f"{BASE}/phases/{uat.pk}/edit/", {**data, "planned_end": ""}).status_code == 400
    assert rm_client.post(f"{BASE}/phases/{uat.pk}/edit/", data).status_code == 302
    uat.refresh_from_db()
    assert uat.planned_start == start


def test_freeze_windows_are_managed_on_their_page(world, client_a, in_a):
    bad = client_a.post(f"{BASE}/freezes/", {"name": "Weekend", "scope": "tier", "tier": "production",
                                             "starts_at": "2025-03-07T16:00", "ends_at": "2025-03-10T08:00",
                                             "rrule": "FREQ=HOURLY", "time_zone": "Europe/Berlin"})
    assert bad.status_code == 400 and bad.context["form"].errors["rrule"]
    response = client_a.post(f"{BASE}/freezes/", {"name": "Weekend", "scope": "tier", "tier": "production",
                                                  "starts_at": "2025-03-07T16:00", "ends_at": "2025-03-10T08:00",
                                                  "rrule": "FREQ=WEEKLY;BYDAY=FR", "time_zone": "Europe/Berlin"})
    assert response.status_code == 302
    window = FreezeWindow.objects.get(name="Weekend")
    assert window.time_zone == "Europe/Berlin" and window.starts_at.hour == 15  # 16:00 CET in UTC
    edit = client_a.post(f"{BASE}/freezes/{window.pk}/", {"name": "Weekends", "scope": "organization",
                                                         "starts_at": "2025-03-07T16:00",
                                                         "ends_at": "2025-03-10T08:00", "rrule": "FREQ=WEEKLY",
                                                         "time_zone": "Europe/Berlin"})
    assert edit.status_code == 302
    window.refresh_from_db()
    assert (window.name, window.scope, window.tier) == ("Weekends", "organization", "")
    assert client_a.post(f"{BASE}/freezes/{window.pk}/delete/").status_code == 302
    assert not FreezeWindow.objects.exists()


def test_the_freeze_list_costs_a_fixed_number_of_queries(world, client_a, org_a, assert_max_queries):
    for _ in range(10):
        FreezeWindowFactory(organization=org_a, starts_at=timezone.now() + timedelta(days=3),
                            ends_at=timezone.now() + timedelta(days=4))
    with assert_max_queries(17):
        assert client_a.get(f"{BASE}/freezes/").status_code == 200


def test_a_freeze_in_force_shows_a_banner_on_affected_pages(world, client_a, make_release, org_a):
    release = make_release()
    assert 'data-testid="freeze-banner"' not in client_a.get(f"{BASE}/{release.pk}/").content.decode()
    FreezeWindowFactory(organization=org_a, name="UAT freeze", scope="tier", tier="uat", reason="Audit")
    assert "UAT freeze" in client_a.get(f"{BASE}/{release.pk}/").content.decode()
    other = ReleaseFactory(organization=org_a)  # no phase in UAT: not affected
    assert "UAT freeze" not in client_a.get(f"{BASE}/{other.pk}/").content.decode()
    assert "UAT freeze" in client_a.get(f"{BASE}/").content.decode()  # the list shows every freeze in force


@pytest.mark.parametrize("view", ["month", "quarter"])
def test_the_calendar_shows_releases_phases_and_freezes(world, client_a, make_release, org_a, view,
                                                        assert_max_queries):
    release = make_release(planned_start=timezone.now().replace(day=2, hour=8, minute=0, second=0, microsecond=0))
    FreezeWindowFactory(organization=org_a, name="Month-end freeze")
    with assert_max_queries(16):
        response = client_a.get(f"{BASE}/calendar/?view={view}")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'data-release-id="{release.pk}"' in body and "Month-end freeze" in body
    assert body.count('data-testid="calendar-phase"') >= 1
    assert client_a.get(f"{BASE}/calendar/?date=1066-10-14").status_code == 400


def test_the_evidence_pack_page_prints_every_gate(world, client_a, make_release):
    release = make_release()
    response = client_a.get(f"{BASE}/{release.pk}/evidence/")
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="evidence-criterion"') == 12


def test_the_feed_lists_releases_phases_and_freezes_with_the_right_secret_only(world, client, make_release, org_a,
                                                                               org_b):
    release = make_release(planned_start=timezone.now() + timedelta(days=1))
    FreezeWindowFactory(organization=org_a, name="Freeze for the feed")
    token = make_feed_token(kind=KIND, org_id=org_a.pk, object_id=org_a.pk)
    response = client.get(f"{BASE}/feed/{token}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    summaries = [str(e["summary"]) for e in Calendar.from_ical(response.content).walk("VEVENT")]
    assert f"Release {release}" in summaries and f"{release}: SIT in Payments SIT" in summaries
    assert "Freeze: Freeze for the feed" in summaries
    assert client.get(f"{BASE}/feed/wrong.ics").status_code == 404
    other = make_feed_token(kind=KIND, org_id=org_b.pk, object_id=org_b.pk)
    assert client.get(f"{BASE}/feed/{other}.ics").status_code == 404


def test_a_slot_is_booked_on_the_slots_page_until_it_is_full(world, client_a, org_a, in_a):
    window = ReleaseSlotWindowFactory(organization=org_a, capacity=1)
    release, other = ReleaseFactory(organization=org_a), ReleaseFactory(organization=org_a)
    page = client_a.get(f"{BASE}/slots/")
    slot = next(s for s in page.context["slots"] if s.start > timezone.now())
    data = {"window": window.pk, "slot_start": slot.start.isoformat()}
    assert client_a.post(f"{BASE}/slots/", {**data, "release": release.pk}).status_code == 302
    assert client_a.post(f"{BASE}/slots/", {**data, "release": other.pk}).status_code == 409
    assert client_a.post(f"{BASE}/slots/", {"release": other.pk}).status_code == 400
    assert SlotBooking.objects.get().release == release
    assert client_a.post(f"{BASE}/settings/", {"require_release_slots": "on"}).status_code == 302
