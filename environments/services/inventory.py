"""Writes to the inventory: environments, groups and outages."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from environments.availability import peak_overlap
from environments.models import Booking, Environment, EnvironmentGroup, Outage, Tier, make_period
from environments.periods import require_aware
from environments.selectors import is_environment_manager
from environments.services._common import lock_environments, require
from vsm.audit.services import audit_record, snapshot
from vsm.catalog.models import Team, ValueStream
from vsm.entities import delete_entity, name_and_slug, save_entity
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.moments import moment_text
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm

# Page paths under /o/<org>/environments/ that an environment slug must not shadow.
RESERVED_SLUGS = frozenset({"book", "calendar", "bookings", "approvals", "provisioning", "feeds", "groups",
                            "new", "outages", "leases"})

ENVIRONMENT_FIELDS = (
    "name", "slug", "tier", "is_production", "value_stream", "owning_team", "group", "status", "status_reason",
    "url", "description", "is_bookable", "requires_booking", "requires_approval", "requires_deployment_approval",
    "max_booking_hours", "capacity",
)


def _clean_slug(name: str, slug: str | None) -> tuple[str, str]:
    name, slug = name_and_slug(name, slug)
    if slug in RESERVED_SLUGS:
        raise InvalidInput.field("slug", f"'{slug}' is reserved; choose another slug.")
    return name, slug


def _check_environment(env: Environment) -> None:
    if env.tier not in Tier.values:
        raise InvalidInput.field("tier", f"'{env.tier}' is not a tier; choose one of {', '.join(Tier.values)}.")
    if env.status not in Environment.Status.values:
        raise InvalidInput.field("status", f"Choose one of {', '.join(Environment.Status.values)}.")
    if env.capacity is None or env.capacity < 1:
        raise InvalidInput.field("capacity", "Capacity is at least 1.")
    if env.max_booking_hours is not None and env.max_booking_hours < 1:
        raise InvalidInput.field("max_booking_hours", "The longest booking is at least one hour (or empty).")


def environment_create(*, actor: Actor, name: str, slug: str | None = None, tier: str = Tier.TEST,
                       is_production: bool | None = None, value_stream: ValueStream | None = None,
                       owning_team: Team | None = None, group: EnvironmentGroup | None = None,
                       url: str = "", description: str = "", is_bookable: bool = True,
                       requires_booking: bool | None = None, requires_approval: bool = False,
                       requires_deployment_approval: bool = False, max_booking_hours: int | None = None,
                       capacity: int = 1, status: str = Environment.Status.AVAILABLE,
                       status_reason: str = "") -> Environment:
    require(actor, Perm.MANAGE_ENVIRONMENTS)
    name, slug = _clean_slug(name, slug)
    production = tier == Tier.PRODUCTION if is_production is None else is_production
    env = Environment(
        name=name, slug=slug, tier=tier, is_production=production, value_stream=value_stream,
        owning_team=owning_team, group=group, url=url, description=description, is_bookable=is_bookable,
        # Production is deployed to by release, not by whoever booked it.
        requires_booking=not production if requires_booking is None else requires_booking,
        requires_approval=requires_approval, requires_deployment_approval=requires_deployment_approval,
        max_booking_hours=max_booking_hours, capacity=capacity, status=status, status_reason=status_reason,
    )
    _check_environment(env)
    return save_entity(env, actor=actor, action="created", before=None)


def environment_update(*, actor: Actor, environment: Environment, **changes) -> Environment:
    """Change an environment. Lowering the capacity is refused (409) while more approved bookings
    overlap than the new capacity allows."""
    if not is_environment_manager(actor=actor, environment=environment):
        raise PermissionRefused("Only environment managers may change an environment.")
    unknown = set(changes) - set(ENVIRONMENT_FIELDS)
    if unknown:
        raise InvalidInput.field(sorted(unknown)[0], "This field cannot be changed.")
    with transaction.atomic():
        (environment,) = lock_environments([environment])
        before = snapshot(environment)
        for name, value in changes.items():
            setattr(environment, name, value)
        if "slug" in changes or "name" in changes:
            environment.name, environment.slug = _clean_slug(environment.name, environment.slug)
        _check_environment(environment)
        if "capacity" in changes:
            _apply_capacity(environment)
        return save_entity(environment, actor=actor, action="updated", before=before)


def _apply_capacity(environment: Environment) -> None:
    future = list(Booking.objects.filter(environment=environment, status=Booking.Status.APPROVED,
                                         period__endswith__gt=timezone.now()))
    intervals = [(b.start, b.end) for b in future]
    for booking in future:
        if peak_overlap(intervals, booking.start, booking.end) > environment.capacity:
            raise Conflict(f"More than {environment.capacity} approved bookings overlap around "
                           f"{moment_text(booking.start)}; cancel some before lowering the capacity.",
                           fields={"capacity": ["too many overlapping bookings"]}, booking=booking.pk)
    try:
        with transaction.atomic():
            Booking.objects.filter(environment=environment, status=Booking.Status.APPROVED).update(
                exclusive=environment.capacity == 1)
    except IntegrityError as exc:  # past overlaps that the new exclusive flag would forbid
        raise Conflict("Approved bookings of this environment overlap; it cannot hold only one at a time.",
                       fields={"capacity": ["overlapping bookings exist"]}) from exc


def environment_set_status(*, actor: Actor, environment: Environment, status: str, reason: str = ""
                           ) -> Environment:
    if status != Environment.Status.AVAILABLE and not reason.strip():
        raise InvalidInput.field("reason", "Say why the environment is not available.")
    return environment_update(actor=actor, environment=environment, status=status, status_reason=reason.strip())


def environment_delete(*, actor: Actor, environment: Environment) -> None:
    """Remove an environment with its bookings and leases; one that deployments or other records
    still refer to is a 409 naming them, and nothing is removed."""
    if not is_environment_manager(actor=actor, environment=environment):
        raise PermissionRefused("Only environment managers may remove an environment.")
    delete_entity(environment, actor=actor)


def group_create(*, actor: Actor, name: str, slug: str | None = None, description: str = "",
                 environments: list[Environment] | None = None) -> EnvironmentGroup:
    require(actor, Perm.MANAGE_ENVIRONMENTS)
    name, slug = _clean_slug(name, slug)
    with transaction.atomic():
        group = save_entity(EnvironmentGroup(name=name, slug=slug, description=description), actor=actor,
                      action="created", before=None)
        if environments is not None:
            group_set_members(actor=actor, group=group, environments=environments)
    return group


def group_update(*, actor: Actor, group: EnvironmentGroup, name: str | None = None, description: str | None = None,
                 environments: list[Environment] | None = None) -> EnvironmentGroup:
    require(actor, Perm.MANAGE_ENVIRONMENTS)
    with transaction.atomic():
        before = snapshot(group)
        if name is not None:
            group.name, _ = _clean_slug(name, group.slug)
        if description is not None:
            group.description = description
        save_entity(group, actor=actor, action="updated", before=before)
        if environments is not None:
            group_set_members(actor=actor, group=group, environments=environments)
    return group


def group_set_members(*, actor: Actor, group: EnvironmentGroup, environments: list[Environment]) -> EnvironmentGroup:
    require(actor, Perm.MANAGE_ENVIRONMENTS)
    with transaction.atomic():
        before = sorted(group.environments.values_list("slug", flat=True))
        Environment.objects.filter(group=group).exclude(pk__in=[e.pk for e in environments]).update(group=None)
        Environment.objects.filter(pk__in=[e.pk for e in environments]).update(group=group)
        audit_record(actor=actor, action="environmentgroup.members_changed", instance=group,
                     before={"environments": before}, after={"environments": sorted(e.slug for e in environments)})
    return group


def group_delete(*, actor: Actor, group: EnvironmentGroup) -> None:
    require(actor, Perm.MANAGE_ENVIRONMENTS)
    delete_entity(group, actor=actor)


def outage_create(*, actor: Actor, environment: Environment, start: datetime, end: datetime, reason: str,
                  kind: str = Outage.Kind.MAINTENANCE) -> Outage:
    """Mark a maintenance or outage window. It wins over bookings already made: they stay, and
    the audit message names them so their holders can be told."""
    if not is_environment_manager(actor=actor, environment=environment):
        raise PermissionRefused("Only the environment's managers may mark outages.")
    require_aware("start", start)
    require_aware("end", end)
    if end <= start:
        raise InvalidInput.field("end", "The end must be after the start.")
    if kind not in Outage.Kind.values:
        raise InvalidInput.field("kind", f"Choose one of {', '.join(Outage.Kind.values)}.")
    if not (reason or "").strip():
        raise InvalidInput.field("reason", "Say why (users see it when their booking is refused).")
    with transaction.atomic():
        lock_environments([environment])
        outage = Outage.objects.create(environment=environment, kind=kind, period=make_period(start, end),
                                       reason=reason.strip()[:300], created_by=actor.user)
        affected = list(Booking.objects.filter(environment=environment, status=Booking.Status.APPROVED,
                                               period__overlap=(start, end)).values_list("pk", flat=True))
        audit_record(actor=actor, action="outage.created", instance=outage, after=snapshot(outage),
                     message=f"overlaps approved bookings {affected}" if affected else "")
    return outage


def outage_delete(*, actor: Actor, outage: Outage) -> None:
    if not is_environment_manager(actor=actor, environment=outage.environment):
        raise PermissionRefused("Only the environment's managers may remove outages.")
    delete_entity(outage, actor=actor)
