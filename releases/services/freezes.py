"""Freeze windows (blackouts) and break-glass overrides."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from environments.models import Environment, Tier
from releases.models import FreezeOverride, FreezeScope, FreezeWindow, FreezeWindowEnvironment, Release, ReleaseKind
from releases.recurrence import Recurrence, check
from releases.services._common import UNSET, organization_time_zone, require, require_text
from vsm.audit.services import audit_record, snapshot
from vsm.catalog.models import ValueStream
from vsm.errors import InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm

LONGEST_OVERRIDE = timedelta(days=31)


def _scope(scope: str | None, value_stream: ValueStream | None, tier: str, environments: list[Environment]) -> str:
    """The scope given, or the one the other fields imply; each scope needs exactly its own field."""
    if scope is None or scope == "":
        scope = (FreezeScope.VALUE_STREAM if value_stream else FreezeScope.TIER if tier
                 else FreezeScope.ENVIRONMENTS if environments else FreezeScope.ORGANIZATION)
    if scope not in FreezeScope.values:
        raise InvalidInput.field("scope", f"Choose one of {', '.join(FreezeScope.values)}.")
    needs = {FreezeScope.VALUE_STREAM: ("value_stream", value_stream), FreezeScope.TIER: ("tier", tier),
             FreezeScope.ENVIRONMENTS: ("environments", environments)}
    for other_scope, (name, value) in needs.items():
        if scope == other_scope and not value:
            raise InvalidInput.field(name, f"A freeze of scope '{scope}' names its {name.replace('_', ' ')}.")
        if scope != other_scope and value:
            raise InvalidInput.field(name, f"Only a freeze of scope '{other_scope}' names {name.replace('_', ' ')}.")
    if tier and tier not in Tier.values:
        raise InvalidInput.field("tier", f"Choose one of {', '.join(Tier.values)}.")
    return scope


def _apply(window: FreezeWindow, *, name, reason, scope, value_stream, tier, environments, starts_at, ends_at,
           rrule, exdates, time_zone) -> list[Environment]:
    window.name = require_text("name", name, max_length=200)
    window.reason = (reason or "").strip()
    environments = list({env.pk: env for env in environments}.values())
    window.scope = _scope(scope, value_stream, tier or "", environments)
    window.value_stream, window.tier = value_stream, tier or ""
    recurrence = check(Recurrence(starts_at, ends_at, rrule or "", tuple(exdates or ()),
                                  time_zone or organization_time_zone()))
    window.starts_at, window.ends_at = recurrence.starts_at, recurrence.ends_at
    window.rrule, window.exdates, window.time_zone = recurrence.rrule, list(recurrence.exdates), recurrence.time_zone
    window.last_ends_at = recurrence.last_end()
    return environments


def _set_environments(window: FreezeWindow, environments: list[Environment]) -> None:
    window.environment_links.all().delete()
    FreezeWindowEnvironment.objects.bulk_create([
        FreezeWindowEnvironment(organization_id=window.organization_id, freeze_window=window, environment=env)
        for env in environments])


def _snapshot(window: FreezeWindow) -> dict:
    linked = window.environment_links.values_list("environment_id", flat=True)
    return {**snapshot(window), "environments": sorted(linked)}


def freeze_window_create(*, actor: Actor, name: str, starts_at: datetime, ends_at: datetime, reason: str = "",
                         scope: str | None = None, value_stream: ValueStream | None = None, tier: str = "",
                         environments: Iterable[Environment] = (), rrule: str = "",
                         exdates: Iterable[datetime] = (), time_zone: str | None = None) -> FreezeWindow:
    """A one-off window [starts_at, ends_at), or with `rrule` a recurring one whose first
    occurrence that is, repeated in `time_zone` (default: the organization's). Without `scope`,
    the field given implies it (value_stream, tier, environments), else the whole organization."""
    require(actor, Perm.MANAGE_FREEZES)
    window = FreezeWindow(created_by=actor.user)
    environments = _apply(window, name=name, reason=reason, scope=scope, value_stream=value_stream, tier=tier,
                          environments=list(environments), starts_at=starts_at, ends_at=ends_at, rrule=rrule,
                          exdates=exdates, time_zone=time_zone)
    with transaction.atomic():
        window.save()
        _set_environments(window, environments)
        audit_record(actor=actor, action="freezewindow.created", instance=window, after=_snapshot(window))
    return window


def freeze_window_update(*, actor: Actor, window: FreezeWindow, name=UNSET, reason=UNSET, scope=UNSET,
                         value_stream=UNSET, tier=UNSET, environments=UNSET, starts_at=UNSET, ends_at=UNSET,
                         rrule=UNSET, exdates=UNSET, time_zone=UNSET) -> FreezeWindow:
    """Change what is given; the rest stays. Changing the scope clears the fields of the old one."""
    require(actor, Perm.MANAGE_FREEZES)
    with transaction.atomic():
        window = FreezeWindow.objects.select_for_update().get(pk=window.pk)
        before = _snapshot(window)
        current = {"name": window.name, "reason": window.reason, "scope": window.scope,
                   "value_stream": window.value_stream, "tier": window.tier,
                   "environments": list(window.environments.all()), "starts_at": window.starts_at,
                   "ends_at": window.ends_at, "rrule": window.rrule, "exdates": window.exdates,
                   "time_zone": window.time_zone}
        given = {k: v for k, v in {
            "name": name, "reason": reason, "scope": scope, "value_stream": value_stream, "tier": tier,
            "environments": environments, "starts_at": starts_at, "ends_at": ends_at, "rrule": rrule,
            "exdates": exdates, "time_zone": time_zone}.items() if v is not UNSET}
        if "scope" in given and given["scope"] != window.scope:
            # A new scope starts clean: the fields of the old scope no longer apply.
            current.update(value_stream=None, tier="", environments=[])
        if "rrule" in given and not given["rrule"] and "exdates" not in given:
            current["exdates"] = []
        environments = _apply(window, **{**current, **given})
        window.updated_at = timezone.now()
        window.save()
        _set_environments(window, environments)
        after = _snapshot(window)
        if {k: v for k, v in after.items() if k != "updated_at"} != {k: v for k, v in before.items()
                                                                     if k != "updated_at"}:
            audit_record(actor=actor, action="freezewindow.updated", instance=window, before=before, after=after)
    return window


def freeze_window_delete(*, actor: Actor, window: FreezeWindow) -> None:
    require(actor, Perm.MANAGE_FREEZES)
    with transaction.atomic():
        audit_record(actor=actor, action="freezewindow.deleted", instance=window, before=_snapshot(window))
        window.delete()


def override_refusal(*, actor: Actor, release: Release | None) -> PermissionRefused | None:
    """Why `actor` may not break the glass, or None: a person (a token only with
    TOKENS_MAY_BREAK_GLASS) for an emergency release (with the right to record deliveries or manage
    releases), or a person holding the override permission."""
    if actor.user is None and not settings.TOKENS_MAY_BREAK_GLASS:
        return PermissionRefused("Breaking the glass of a freeze is a person's decision: sign in to grant the "
                                 "override (API tokens cannot while TOKENS_MAY_BREAK_GLASS is off).")
    if actor.has(Perm.OVERRIDE_FREEZE):
        return None
    if release is not None and release.kind == ReleaseKind.EMERGENCY and (
            actor.has(Perm.RECORD_DELIVERY) or actor.has(Perm.MANAGE_RELEASES)):
        return None
    return PermissionRefused("Only an emergency release, or someone allowed to override freezes, may deploy "
                             "during a freeze.")


def freeze_override_grant(*, actor: Actor, window: FreezeWindow, reason: str, release: Release | None = None,
                          environment: Environment | None = None, expires_at: datetime | None = None
                          ) -> FreezeOverride:
    """Let deployments of `release` (or into `environment`) through `window` until `expires_at`
    (default: the end of the occurrence in force). The reason is required and audited."""
    refusal = override_refusal(actor=actor, release=release)
    if refusal is not None:
        raise refusal
    reason = require_text("reason", reason, max_length=2000)
    if release is None and environment is None:
        raise InvalidInput.field("release", "Name the release, or the environment, the override is for.")
    now = timezone.now()
    if expires_at is None:
        running = window.recurrence.active_at(now)
        if running is None:
            raise InvalidInput.field("expires_at", f"'{window.name}' is not in force now: say until when the "
                                                   "override applies.")
        expires_at = running[1]
    if expires_at.tzinfo is None:
        raise InvalidInput.field("expires_at", "Give the expiry with its UTC offset.")
    if expires_at <= now:
        raise InvalidInput.field("expires_at", "The expiry must be in the future.")
    if expires_at > now + LONGEST_OVERRIDE:
        raise InvalidInput.field("expires_at", "An override lasts at most 31 days.")
    with transaction.atomic():
        override = FreezeOverride.objects.create(
            freeze_window=window, release=release, environment=environment, reason=reason, expires_at=expires_at,
            granted_by=actor.user, granted_by_label=actor.label[:254], granted_at=now)
        audit_record(actor=actor, action="freezeoverride.granted", instance=override, after=snapshot(override),
                     object_repr=f"{window.name}: {release or environment}", message=reason)
    return override
