"""Pages that edit what other pages create: a release's own fields, release slot windows and
release templates. Field errors name the field; deleting asks first; only release managers edit."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from releases.models import Release, ReleaseSlotWindow, ReleaseTemplate
from tests.releases.conftest import next_monday
from tests.releases.factories import (
    DeploymentActivityFactory,
    ReleaseFactory,
    ReleaseSlotWindowFactory,
    SlotBookingFactory,
)
from tests.releases.test_pages import BASE, local
from vsm.audit.models import AuditEvent
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def rm_client(client, manager):
    client.force_login(manager.user)
    return client


def release_form(release: Release, **changes) -> dict:
    data = {"name": release.name, "version": release.version, "value_stream": "payments", "kind": release.kind,
            "parent": "", "owner": release.owner.email if release.owner else "", "risk": release.risk,
            "strategy": release.strategy, "description": release.description, "services": ["payments-api"],
            "planned_start": local(release.planned_start) if release.planned_start else "",
            "planned_end": local(release.planned_end) if release.planned_end else ""}
    return {**data, **changes}


def test_a_release_with_phases_is_renamed_and_rescoped_but_keeps_its_version(world, rm_client, make_release, in_a):
    release = make_release()
    page = f"{BASE}/{release.pk}/edit/"
    assert 'data-testid="release-edit-form"' in rm_client.get(page).content.decode()
    response = rm_client.post(page, release_form(release, name="Payments spring", risk="high", strategy="canary",
                                                 description="Card tokens"))
    assert response.status_code == 302
    release.refresh_from_db()
    assert (release.name, release.risk, release.strategy, release.description) == (
        "Payments spring", "high", "canary", "Card tokens")
    assert AuditEvent.objects.filter(action="release.updated", object_id=str(release.pk)).exists()
    refused = rm_client.post(page, release_form(release, version="9.9"))
    assert refused.status_code == 409 and "fixed once the release has phases" in refused.content.decode()


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"name": ""}, "name", "This field is required"),
    ({"planned_start": "2025-05-02T10:00", "planned_end": "2025-05-01T10:00"}, "planned_end", "after the start"),
    ({"kind": "enterprise", "parent": "TRAIN"}, "parent", "does not belong to another train"),
])
def test_release_edit_errors_name_the_field(world, rm_client, org_a, in_a, change, field, message):
    train = ReleaseFactory(organization=org_a, kind="enterprise", name="Train")
    release = ReleaseFactory(organization=org_a, name="Solo", planned_start=next_monday(),
                             planned_end=next_monday() + timedelta(days=3))
    if change.get("parent") == "TRAIN":
        change = {**change, "parent": train.pk}
    response = rm_client.post(f"{BASE}/{release.pk}/edit/", release_form(release, **change))
    body = response.content.decode()
    assert response.status_code in (400, 409) and message in body
    assert f'id="id_{field}"' in body


def test_only_release_managers_edit_releases(world, client, member_factory, org_a, in_a):
    release = ReleaseFactory(organization=org_a)
    client.force_login(member_factory(Role.ENGINEER, email="dev@acme.test"))
    assert client.get(f"{BASE}/{release.pk}/edit/").status_code == 403
    assert client.post(f"{BASE}/{release.pk}/edit/", {"name": "x"}).status_code == 403


def slot_form(**changes) -> dict:
    return {"name": "Tue/Thu evenings", "starts_at": "2030-01-01T18:00", "ends_at": "2030-01-01T22:00",
            "rrule": "FREQ=WEEKLY;BYDAY=TU,TH", "time_zone": "Europe/Berlin", "capacity": "3", **changes}


def test_slot_windows_are_created_edited_and_deleted_after_confirmation(world, rm_client, org_a, in_a):
    assert rm_client.post(f"{BASE}/slots/windows/new/", slot_form()).status_code == 302
    window = ReleaseSlotWindow.objects.get(name="Tue/Thu evenings")
    assert (window.time_zone, window.starts_at.hour) == ("Europe/Berlin", 17)  # 18:00 in Berlin is 17:00 UTC
    edit = f"{BASE}/slots/windows/{window.pk}/"
    assert rm_client.post(edit, slot_form(capacity="5", name="Evenings")).status_code == 302
    window.refresh_from_db()
    assert (window.name, window.capacity) == ("Evenings", 5)
    SlotBookingFactory(organization=org_a, window=window, release=ReleaseFactory(organization=org_a, name="Booked"))
    confirm = rm_client.get(f"{edit}delete/")
    assert 'data-testid="confirm-delete"' in confirm.content.decode() and "Booked" in confirm.content.decode()
    assert ReleaseSlotWindow.objects.filter(pk=window.pk).exists()
    assert rm_client.post(f"{edit}delete/").status_code == 302
    assert not ReleaseSlotWindow.objects.filter(pk=window.pk).exists()
    assert AuditEvent.objects.filter(action="releaseslotwindow.updated").exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"rrule": "FREQ=HOURLY"}, "rrule"), ({"capacity": "0"}, "capacity"), ({"time_zone": "Mars/Base"}, "time_zone"),
    ({"ends_at": "2030-01-01T17:00"}, "ends_at"), ({"rrule": "FREQ=WEEKLY;INTERVAL=0"}, "rrule"),
    ({"starts_at": "0001-01-01T00:10", "ends_at": "0001-01-01T00:30", "time_zone": "Asia/Tokyo"}, "starts_at")])
def test_slot_window_errors_name_the_field(world, rm_client, in_a, change, field):
    response = rm_client.post(f"{BASE}/slots/windows/new/", slot_form(**change))
    assert response.status_code == 400 and f'id="id_{field}"' in response.content.decode()
    assert 'class="error"' in response.content.decode() or "errorlist" in response.content.decode()
    assert not ReleaseSlotWindow.objects.exists()


def test_only_release_managers_manage_slot_windows(world, client, member_factory, org_a, in_a):
    window = ReleaseSlotWindowFactory(organization=org_a)
    client.force_login(member_factory(Role.ENGINEER, email="dev@acme.test"))
    assert client.post(f"{BASE}/slots/windows/{window.pk}/delete/").status_code == 403
    assert ReleaseSlotWindow.objects.filter(pk=window.pk).exists()


def phases(*rows) -> dict:
    data = {"phases-TOTAL_FORMS": str(len(rows)), "phases-INITIAL_FORMS": "0", "phases-MIN_NUM_FORMS": "0",
            "phases-MAX_NUM_FORMS": "20"}
    for index, row in enumerate(rows):
        data.update({f"phases-{index}-{key}": value for key, value in row.items()})
    return data


SIT = {"name": "SIT", "tier": "integration", "duration_days": "3", "entry_criteria": "",
       "exit_criteria": json.dumps([{"title": "Smoke", "type": "automated", "rule": "ci_result_reported",
                                     "params": {"name": "smoke", "subject_from_context": "release_version"}}])}
PROD = {"name": "PROD", "tier": "production", "duration_days": "1",
        "entry_criteria": json.dumps([{"title": "CAB", "type": "manual", "signer_role": "approver"}]),
        "exit_criteria": "[]"}


def test_templates_are_created_their_phases_edited_and_deleted_after_confirmation(world, rm_client, in_a):
    assert 'data-testid="templates"' in rm_client.get(f"{BASE}/templates/").content.decode()
    response = rm_client.post(f"{BASE}/templates/new/", {"name": "Hotfix", "description": "", **phases(SIT, PROD)})
    assert response.status_code == 302
    template = ReleaseTemplate.objects.get(name="Hotfix")
    assert [p.name for p in template.phases.order_by("order")] == ["SIT", "PROD"]
    edit = f"{BASE}/templates/{template.pk}/"
    assert "CAB" in rm_client.get(edit).content.decode()
    renamed = {**PROD, "name": "LIVE"}
    assert rm_client.post(edit, {"name": "Hotfix", **phases(SIT, renamed, {**SIT, "DELETE": "on"})}
                          ).status_code == 302
    assert [p.name for p in template.phases.order_by("order")] == ["SIT", "LIVE"]
    assert AuditEvent.objects.filter(action="releasetemplate.updated").exists()
    assert 'data-testid="confirm-delete"' in rm_client.get(f"{edit}delete/").content.decode()
    assert rm_client.post(f"{edit}delete/").status_code == 302
    assert not ReleaseTemplate.objects.filter(pk=template.pk).exists()


@pytest.mark.parametrize(("phase", "message"), [
    ({**SIT, "entry_criteria": "{not json"}, "Enter a valid JSON"),
    ({**SIT, "entry_criteria": '{"title": "x"}'}, "A JSON list of criteria"),
    ({**SIT, "entry_criteria": '[{"title": "x", "type": "manual"}]'}, "phases[0].entry_criteria[0].signer_role"),
    ({**SIT, "duration_days": "0"}, "greater than or equal to 1"),
    # PostgreSQL holds no NUL: typed into the name, or escaped inside the criteria's JSON.
    ({**SIT, "name": "S\x00IT"}, "Null characters are not allowed"),
    ({**SIT, "entry_criteria": '[{"title": "CAB\\u0000", "type": "manual", "signer_role": "approver"}]'},
     "NUL character (\\u0000) (at [0].title)"),
])
def test_template_errors_name_the_phase_and_field(world, rm_client, in_a, phase, message):
    response = rm_client.post(f"{BASE}/templates/new/", {"name": "Broken", **phases(phase)})
    assert response.status_code == 400 and message in response.content.decode()
    assert not ReleaseTemplate.objects.filter(name="Broken").exists()


def test_a_template_name_taken_is_a_conflict_on_the_name(world, rm_client, in_a):
    response = rm_client.post(f"{BASE}/templates/new/", {"name": world.template.name, **phases(SIT)})
    assert response.status_code == 409 and "already exists" in response.content.decode()


def test_a_step_note_with_a_nul_is_shown_as_an_error_and_nothing_is_completed(world, rm_client, make_release, org_a,
                                                                               in_a):
    activity = DeploymentActivityFactory(organization=org_a, release=make_release(), title="Flip the flag")
    response = rm_client.post(f"{BASE}/activities/{activity.pk}/complete/", {"status": "done", "note": "ok\x00"})
    assert response.status_code == 400 and "Null characters are not allowed" in response.content.decode()
    activity.refresh_from_db()
    assert activity.status != "done"
    done = rm_client.post(f"{BASE}/activities/{activity.pk}/complete/", {"status": "done", "note": "x" * 600})
    assert done.status_code == 302  # a long note is still cut to 500 characters, as before
    activity.refresh_from_db()
    assert (activity.status, len(activity.note)) == ("done", 500)
