"""Warnings before mistakes: what a template's plan, a phase's move and an advance collide with,
shown before anything is saved; advancing into a frozen environment needs the glass broken, with
a reason, through the deployment check's override rules and audit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from releases import selectors, services
from releases.models import FreezeOverride, PhaseStatus
from tests.factories import ApiTokenFactory
from tests.releases.factories import FreezeWindowFactory, ReleaseSlotWindowFactory, SlotBookingFactory
from vsm.audit.models import AuditEvent
from vsm.errors import Conflict, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

PAGES = "/o/acme/releases"
API = "/api/v1/orgs/acme"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def frozen_prod(world):
    """A freeze in force on the production tier, and a release whose only phase deploys there."""
    freeze = FreezeWindowFactory(organization=world.stream.organization, name="Year-end freeze", scope="tier",
                                 tier="production", reason="Finance closes the books")
    return freeze


@pytest.fixture
def release(world, manager):
    release = services.release_create(actor=manager, name="Payments", version="3.0.0", value_stream=world.stream)
    now = timezone.now()
    services.phase_add(actor=manager, release=release, name="PROD", environment=world.prod,
                       planned_start=now, planned_end=now + timedelta(days=1))
    return release


# --- advancing through a freeze ------------------------------------------------------------------

def test_advancing_into_a_frozen_environment_is_refused_naming_the_freeze(world, manager, frozen_prod, release):
    with pytest.raises(Conflict) as refused:
        services.release_advance_phase(actor=manager, release=release)
    assert "Year-end freeze" in refused.value.message and "Payments Production" in refused.value.message
    assert refused.value.details["freezes"][0]["freeze_window"] == frozen_prod.pk
    assert "override_reason" in refused.value.fields
    assert release.phases.get().status == PhaseStatus.PENDING
    assert AuditEvent.objects.filter(action="release.advance_refused", object_id=str(release.pk)).exists()
    assert not FreezeOverride.objects.exists()


def test_breaking_the_glass_with_a_reason_advances_and_is_audited(world, manager, frozen_prod, release):
    services.release_advance_phase(actor=manager, release=release, override_reason="Card outage hotfix")
    assert release.phases.get().status == PhaseStatus.ACTIVE
    override = FreezeOverride.objects.get()
    assert (override.freeze_window, override.release, override.reason) == (frozen_prod, release, "Card outage hotfix")
    granted = AuditEvent.objects.get(action="freezeoverride.granted")
    assert granted.message == "Card outage hotfix" and granted.actor_label == manager.label
    assert AuditEvent.objects.filter(action="release.phase_advanced", object_id=str(release.pk)).exists()


def test_an_override_in_force_lets_the_advance_through_without_a_new_reason(world, manager, frozen_prod, release):
    services.freeze_override_grant(actor=manager, window=frozen_prod, reason="CAB approved", release=release)
    services.release_advance_phase(actor=manager, release=release)
    assert release.phases.get().status == PhaseStatus.ACTIVE
    assert FreezeOverride.objects.count() == 1


def test_a_token_breaks_no_glass_unless_the_setting_allows(world, org_a, frozen_prod, release):
    token = Actor(role=Role.RELEASE_MANAGER, token=ApiTokenFactory(organization=org_a, name="deployer",
                                                                   role=Role.RELEASE_MANAGER))
    with pytest.raises(PermissionRefused, match="TOKENS_MAY_BREAK_GLASS"):
        services.release_advance_phase(actor=token, release=release, override_reason="pipeline says so")
    assert release.phases.get().status == PhaseStatus.PENDING
    with override_settings(TOKENS_MAY_BREAK_GLASS=True):
        services.release_advance_phase(actor=token, release=release, override_reason="pipeline says so")
    assert release.phases.get().status == PhaseStatus.ACTIVE


def test_the_api_refuses_with_409_naming_the_freeze_and_advances_with_a_reason(world, org_a, frozen_prod, release,
                                                                                member_factory):
    client = APIClient()
    client.force_login(member_factory(Role.RELEASE_MANAGER))
    refused = client.post(f"{API}/releases/{release.pk}/advance/", {}, format="json")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert "Year-end freeze" in error["message"] and "override_reason" in error["fields"]
    assert error["details"]["freezes"][0]["name"] == "Year-end freeze"
    done = client.post(f"{API}/releases/{release.pk}/advance/", {"override_reason": "Hotfix for incident 4411"},
                       format="json")
    assert done.status_code == 200, done.content
    assert FreezeOverride.objects.get().reason == "Hotfix for incident 4411"


def test_the_page_warns_before_advancing_then_breaks_the_glass(world, org_a, frozen_prod, release, client,
                                                               member_factory):
    client.force_login(member_factory(Role.RELEASE_MANAGER))
    body = text(client.get(f"{PAGES}/{release.pk}/"))
    preview = re.search(r'data-testid="advance-preview".*?</form>', body).group(0)
    assert "Starting PROD collides with" in preview and "Year-end freeze" in preview
    assert 'data-testid="break-glass"' in preview and 'name="override_reason"' in preview
    phase = release.phases.get()
    refused = client.post(f"{PAGES}/{release.pk}/advance/", {"phase": phase.pk})
    assert refused.status_code == 409
    assert re.search(r'data-testid="advance-error".*?Year-end freeze', text(refused))
    done = client.post(f"{PAGES}/{release.pk}/advance/", {"phase": phase.pk, "override_reason": "Hotfix"})
    assert done.status_code == 302
    assert release.phases.get().status == PhaseStatus.ACTIVE
    assert "\x00" not in FreezeOverride.objects.get().reason
    bad = client.post(f"{PAGES}/{release.pk}/advance/", {"phase": "x", "override_reason": "a\x00b"})
    assert bad.status_code == 400


def test_the_detail_page_costs_a_fixed_number_of_queries_with_the_preview(world, org_a, frozen_prod, release, client,
                                                                          member_factory, assert_max_queries):
    client.force_login(member_factory(Role.RELEASE_MANAGER))
    # The page's own 30 (test_pages) and the preview of the next phase: its freezes with their
    # overrides, the bookings of its environment and the release's dependencies.
    with assert_max_queries(34):
        assert client.get(f"{PAGES}/{release.pk}/").status_code == 200


# --- a template's plan before it is saved --------------------------------------------------------

def test_the_create_form_previews_the_plan_and_names_a_freeze_on_a_phase(world, org_a, client, member_factory):
    start = timezone.now() + timedelta(days=7)
    # Production comes last in the default template; the freeze covers the weeks after the start.
    FreezeWindowFactory(organization=org_a, name="Year-end freeze", scope="tier", tier="production",
                        starts_at=start + timedelta(days=5), ends_at=start + timedelta(days=60))
    client.force_login(member_factory(Role.RELEASE_MANAGER))
    local = timezone.localtime(start).strftime("%Y-%m-%dT%H:%M")
    body = text(client.get(f"{PAGES}/new/preview/", {"template": world.template.pk, "planned_start": local,
                                                     "value_stream": "payments", "name": "", "version": ""}))
    phases = re.findall(r'data-testid="planned-phase" data-phase="([^"]+)"', body)
    assert phases == [p.name for p in sorted(world.template.phases.all(), key=lambda p: p.order)]
    prod = re.search(r'data-phase="PROD".*?</li>', body).group(0)
    assert "collision-freeze" in prod and "Year-end freeze" in prod
    sit = re.search(r'data-phase="SIT".*?</li>', body).group(0)
    assert "Year-end freeze" not in sit
    assert "Choose a template" in text(client.get(f"{PAGES}/new/preview/", {"name": "x"}))
    assert 'hx-get="/o/acme/releases/new/preview/"' in text(client.get(f"{PAGES}/new/"))


# --- full release slots and an environment not booked ---------------------------------------------

def test_a_production_phase_collides_with_full_slots_and_an_unbooked_environment(world, org_a, manager, release):
    window = ReleaseSlotWindowFactory(organization=org_a, capacity=1)
    phase = release.phases.get()
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)
    end = start + timedelta(days=1)
    slot_start = start.replace(hour=18)
    SlotBookingFactory(organization=org_a, window=window, slot_start=slot_start,
                       slot_end=slot_start + timedelta(hours=4))
    found = selectors.phase_collisions(phase=phase, start=start, end=end, environment=world.prod)
    assert [s.start for s in found.full_slots] == [slot_start]
    assert found.unbooked is None  # production here needs no booking
    uat = selectors.phase_collisions(phase=phase, start=start, end=end, environment=world.uat)
    assert uat.full_slots == [] and uat.unbooked == world.uat
    with tenant_context(org_a):
        window.capacity = 2
        window.save()
    assert selectors.phase_collisions(phase=phase, start=start, end=end, environment=world.prod).full_slots == []
