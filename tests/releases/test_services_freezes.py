"""Freeze windows: scopes, one-off and recurring, what applies where, and break-glass overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from environments.models import Tier
from releases import selectors, services
from releases.models import FreezeOverride, FreezeScope, ReleaseKind
from tests.environments.factories import EnvironmentFactory
from tests.factories import ApiTokenFactory, ValueStreamFactory
from tests.releases.factories import FreezeWindowFactory, ReleaseFactory, soon
from vsm.audit.models import AuditEvent
from vsm.errors import InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def create(actor, **fields):
    fields.setdefault("name", "Freeze")
    fields.setdefault("starts_at", soon(-1))
    fields.setdefault("ends_at", soon(2))
    return services.freeze_window_create(actor=actor, **fields)


def test_a_one_off_window_is_organization_wide_in_the_organizations_zone_and_audited(world, manager, org_a):
    org_a.time_zone = "Europe/Berlin"
    org_a.save()
    window = create(manager, name="Year-end", reason="Peak trading")
    assert (window.scope, window.time_zone, window.last_ends_at) == (FreezeScope.ORGANIZATION, "Europe/Berlin",
                                                                     window.ends_at)
    assert AuditEvent.objects.filter(action="freezewindow.created", object_id=str(window.pk)).exists()
    running = selectors.freeze_active(environment=world.prod)
    assert [(o.window, o.end) for o in running] == [(window, window.ends_at)]


@pytest.mark.parametrize(("fields", "scope"), [
    ({"value_stream": "stream"}, FreezeScope.VALUE_STREAM),
    ({"tier": Tier.PRODUCTION}, FreezeScope.TIER),
    ({"environments": "prod"}, FreezeScope.ENVIRONMENTS),
])
def test_the_scope_follows_from_the_field_given(world, manager, fields, scope):
    given = {"value_stream": {"value_stream": world.stream}, "environments": {"environments": [world.prod]}}
    window = create(manager, **given.get(next(iter(fields)), fields))
    assert window.scope == scope


@pytest.mark.parametrize("role", [Role.RELEASE_MANAGER, Role.ADMIN, Role.OWNER])
def test_a_token_may_not_break_the_glass_whatever_its_role(world, manager, role):
    window = create(manager)
    release = ReleaseFactory(organization=world.stream.organization, kind=ReleaseKind.EMERGENCY,
                             value_stream=world.stream)
    token = ApiTokenFactory(organization=world.stream.organization, name="deployer", role=role)
    with pytest.raises(PermissionRefused, match="person's decision") as refused:
        services.freeze_override_grant(actor=Actor(role=role, token=token), window=window, release=release,
                                       reason="Outage")
    assert refused.value.status == 403
    assert not FreezeOverride.objects.exists()
    with override_settings(TOKENS_MAY_BREAK_GLASS=True):
        services.freeze_override_grant(actor=Actor(role=role, token=token), window=window, release=release,
                                       reason="Outage")


@pytest.mark.parametrize(("fields", "field"), [
    ({"scope": FreezeScope.VALUE_STREAM}, "value_stream"),
    ({"scope": FreezeScope.TIER}, "tier"),
    ({"scope": FreezeScope.ENVIRONMENTS}, "environments"),
    ({"scope": FreezeScope.ORGANIZATION, "tier": Tier.UAT}, "tier"),
    ({"scope": "galaxy"}, "scope"),
    ({"name": "  "}, "name"),
    ({"rrule": "FREQ=WEEKLY;BYDAY=NOPE"}, "rrule"),
])
def test_bad_input_is_refused_naming_the_field(world, manager, fields, field):
    with pytest.raises(InvalidInput) as refused:
        create(manager, **fields)
    assert field in refused.value.fields


@pytest.mark.parametrize(("scope", "applies_to"), [
    ("organization", {"sit", "uat", "prod", "other"}),
    ("value_stream", {"sit", "uat", "prod"}),
    ("tier", {"prod"}),
    ("environments", {"uat"}),
])
def test_a_window_applies_to_the_environments_in_its_scope(world, manager, scope, applies_to):
    other = EnvironmentFactory(organization=world.stream.organization, slug="other", tier=Tier.TEST,
                               value_stream=ValueStreamFactory(organization=world.stream.organization))
    fields = {"organization": {}, "value_stream": {"value_stream": world.stream},
              "tier": {"tier": Tier.PRODUCTION}, "environments": {"environments": [world.uat]}}[scope]
    create(manager, **fields)
    envs = {"sit": world.sit, "uat": world.uat, "prod": world.prod, "other": other}
    frozen = {name for name, env in envs.items() if selectors.freeze_active(environment=env)}
    assert frozen == applies_to


def test_a_value_stream_freeze_applies_to_that_streams_deployments_into_a_shared_environment(world, manager):
    shared = EnvironmentFactory(organization=world.stream.organization, slug="shared", value_stream=None)
    create(manager, value_stream=world.stream)
    assert selectors.freeze_active(environment=shared, value_stream=world.stream)
    assert not selectors.freeze_active(environment=shared)


def test_windows_not_in_force_do_not_apply(world, manager):
    create(manager, starts_at=soon(1), ends_at=soon(2))
    FreezeWindowFactory(organization=world.stream.organization, starts_at=soon(-5), ends_at=soon(-1))
    assert selectors.freeze_active(environment=world.prod) == []


def test_a_recurring_window_is_in_force_during_its_occurrences_only(world, manager):
    first = soon(-24 * 3) - timedelta(minutes=30)
    window = create(manager, name="Nightly", starts_at=first, ends_at=first + timedelta(minutes=90),
                    rrule="FREQ=DAILY", time_zone="UTC")
    assert window.last_ends_at is None
    assert [o.end for o in selectors.freeze_active(environment=world.prod)] == [window.ends_at + timedelta(days=3)]
    assert selectors.freeze_active(environment=world.prod, at=timezone.now() + timedelta(hours=6)) == []


def test_update_changes_scope_cleanly_and_audits(world, manager):
    window = create(manager, environments=[world.prod, world.uat])
    services.freeze_window_update(actor=manager, window=window, scope=FreezeScope.TIER, tier=Tier.UAT)
    window.refresh_from_db()
    assert (window.scope, window.tier, list(window.environments.all())) == (FreezeScope.TIER, Tier.UAT, [])
    event = AuditEvent.objects.get(action="freezewindow.updated")
    assert event.before["environments"] and event.after["environments"] == []


def test_deleting_is_audited(world, manager):
    window = create(manager)
    window_id = window.pk
    services.freeze_window_delete(actor=manager, window=window)
    assert AuditEvent.objects.filter(action="freezewindow.deleted", object_id=str(window_id)).exists()
    assert selectors.freeze_active() == []


@pytest.mark.parametrize("role", [Role.ENGINEER, Role.APPROVER, Role.VIEWER])
def test_only_those_managing_freezes_create_them(world, actor_of, role):
    with pytest.raises(PermissionRefused):
        create(actor_of(role))


# --- break glass ----------------------------------------------------------------------------

@pytest.mark.parametrize(("role", "kind", "allowed"), [
    (Role.ENGINEER, ReleaseKind.EMERGENCY, True),
    (Role.ENGINEER, ReleaseKind.PROJECT, False),
    (Role.RELEASE_MANAGER, ReleaseKind.PROJECT, True),
    (Role.VIEWER, ReleaseKind.EMERGENCY, False),
])
def test_an_emergency_release_or_the_override_role_may_break_the_glass(world, manager, actor_of, role, kind,
                                                                       allowed):
    window = create(manager)
    release = ReleaseFactory(organization=world.stream.organization, kind=kind, value_stream=world.stream)
    actor = actor_of(role)
    if not allowed:
        with pytest.raises(PermissionRefused):
            services.freeze_override_grant(actor=actor, window=window, release=release, reason="Outage")
        return
    override = services.freeze_override_grant(actor=actor, window=window, release=release, reason="Outage INC-9")
    assert override.expires_at == window.ends_at  # the occurrence in force
    event = AuditEvent.objects.get(action="freezeoverride.granted")
    assert event.message == "Outage INC-9" and event.actor_label == actor.label


@pytest.mark.parametrize(("fields", "field"), [
    ({"reason": " "}, "reason"),
    ({"release": None}, "release"),
    ({"expires_at": datetime(2020, 1, 1, tzinfo=UTC)}, "expires_at"),
    ({"expires_at": "far"}, "expires_at"),
])
def test_an_override_needs_a_reason_a_subject_and_a_sensible_expiry(world, manager, fields, field):
    window = create(manager)
    release = ReleaseFactory(organization=world.stream.organization)
    if fields.get("expires_at") == "far":
        fields["expires_at"] = timezone.now() + timedelta(days=60)
    data = {"reason": "Outage", "release": release, **fields}
    with pytest.raises(InvalidInput) as refused:
        services.freeze_override_grant(actor=manager, window=window, **data)
    assert field in refused.value.fields
    assert not FreezeOverride.objects.exists()


def test_an_override_of_a_window_not_in_force_needs_an_expiry(world, manager):
    window = create(manager, starts_at=soon(5), ends_at=soon(8))
    release = ReleaseFactory(organization=world.stream.organization)
    with pytest.raises(InvalidInput) as refused:
        services.freeze_override_grant(actor=manager, window=window, release=release, reason="Prepared")
    assert "expires_at" in refused.value.fields
    override = services.freeze_override_grant(actor=manager, window=window, release=release, reason="Prepared",
                                              expires_at=soon(8))
    assert selectors.freeze_override_in_force(window=window, at=soon(6), release_id=release.pk,
                                              environment=None) == override
