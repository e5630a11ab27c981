"""Demo data: per value stream a shared SIT, UAT, performance, staging and production
environment, a test-stack group, and a month of bookings around `today` (some waiting for
approval), outages, deployment approvals and provisioning requests. Deterministic for a given
`rng` seed and `today`.

Future bookings go through the services, as people would make them. Past ones are written
directly: the services rightly refuse periods that are already over.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from environments import services
from environments.errors import BookingConflict
from environments.models import Booking, BookingKind, Environment, ProvisioningRequest, Tier, make_period
from vsm.accounts.models import User
from vsm.catalog.models import Team, TeamMember, ValueStream
from vsm.tenancy.actor import Actor
from vsm.tenancy.models import Membership, Organization
from vsm.tenancy.roles import Role

# (name suffix, slug suffix, tier, settings)
SHAPES = [
    ("SIT", "sit", Tier.INTEGRATION, {"max_booking_hours": 24}),
    ("UAT", "uat", Tier.UAT, {"requires_approval": True, "requires_deployment_approval": True}),
    ("Performance", "perf", Tier.PERFORMANCE, {"max_booking_hours": 12}),
    ("Staging", "staging", Tier.STAGING, {"capacity": 2}),
    ("Production", "prod", Tier.PRODUCTION, {"is_bookable": False, "requires_deployment_approval": True}),
]
PURPOSES = {
    BookingKind.CODE: ["Feature branch smoke test", "Hotfix verification", "API contract checks"],
    BookingKind.CONFIG: ["Feature flag rollout rehearsal", "Certificate rotation test"],
    BookingKind.REGRESSION: ["Nightly regression", "Release regression", "Payment provider regression"],
    BookingKind.PERFORMANCE: ["Load test for the spring sale", "Soak test", "Latency baseline"],
    BookingKind.DEMO: ["Sprint review demo", "Customer demo"],
}
DAYS_BACK, DAYS_AHEAD = 14, 14


def seed(org: Organization, *, rng: random.Random, today: date) -> None:
    zone = org.tzinfo
    system = Actor.for_system("seed_demo")
    teams = list(Team.objects.order_by("name"))
    members = _members_by_team()
    platform = next((t for t in teams if t.slug == "platform"), teams[0] if teams else None)
    by_stream: dict[int, list[Environment]] = {}
    for stream in ValueStream.objects.order_by("name"):
        owner = next((t for t in teams if t.services.filter(value_stream=stream).exists()), platform)
        by_stream[stream.pk] = _environments(system, stream, owner, first=not by_stream)
    now = timezone.now()
    for stream_envs in by_stream.values():
        bookable = [env for env in stream_envs if env.is_bookable]
        for env in bookable:
            _outages(system, env, rng, today, zone)
        for env in bookable:
            _bookings(env, teams, members, rng, today, zone, now)
    _requests(system, teams, members, by_stream, rng, today)


def _members_by_team() -> dict[int, list[TeamMember]]:
    found: dict[int, list[TeamMember]] = {}
    for member in TeamMember.objects.select_related("user").order_by("team_id", "user__email"):
        found.setdefault(member.team_id, []).append(member)
    return found


def _environments(actor: Actor, stream: ValueStream, owner: Team | None, *, first: bool) -> list[Environment]:
    group = services.group_create(actor=actor, name=f"{stream.name} test stack", slug=f"{stream.slug}-stack",
                                  description="SIT and UAT, booked together for end-to-end runs")
    envs = []
    for name, slug, tier, extra in SHAPES:
        envs.append(services.environment_create(
            actor=actor, name=f"{stream.name} {name}", slug=f"{stream.slug}-{slug}", tier=tier, value_stream=stream,
            owning_team=owner, group=group if tier in (Tier.INTEGRATION, Tier.UAT) else None,
            url=f"https://{slug}.{stream.slug}.acme.test", **extra))
    if first:  # a twin SIT, so a conflict can point at a free equivalent environment
        envs.append(services.environment_create(
            actor=actor, name=f"{stream.name} SIT 2", slug=f"{stream.slug}-sit-2", tier=Tier.INTEGRATION,
            value_stream=stream, owning_team=owner, group=group, max_booking_hours=24))
    return envs


def _at(day: date, hour: float, zone) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone) + timedelta(hours=hour)


def _outages(actor: Actor, env: Environment, rng: random.Random, today: date, zone) -> None:
    if rng.random() < 0.4:
        day = today + timedelta(days=rng.randint(2, DAYS_AHEAD - 1))
        services.outage_create(actor=actor, environment=env, start=_at(day, 18, zone), end=_at(day, 22, zone),
                               kind=rng.choice(["maintenance", "maintenance", "outage"]),
                               reason=rng.choice(["Database upgrade", "OS patching", "Network change",
                                                  "Storage migration"]))


def _slots(rng: random.Random, day: date, zone) -> list[tuple[datetime, datetime]]:
    """Non-overlapping working-hours slots of one day (none on weekends)."""
    if day.weekday() >= 5:
        return []
    slots, cursor = [], 8.0
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
        start = cursor + rng.choice([0, 0.5, 1, 2])
        end = start + rng.choice([2, 3, 4, 4, 6])
        if end > 20:
            break
        slots.append((_at(day, start, zone), _at(day, end, zone)))
        cursor = end
    return slots


def _bookings(env: Environment, teams: list[Team], members: dict[int, list[TeamMember]], rng: random.Random,
              today: date, zone, now: datetime) -> None:
    staffed = [team for team in teams if members.get(team.pk)]
    past: list[Booking] = []
    for offset in range(-DAYS_BACK, DAYS_AHEAD + 1):
        for start, end in _slots(rng, today + timedelta(days=offset), zone):
            team = rng.choice(staffed)
            member = rng.choice(members[team.pk])
            kind = BookingKind.PERFORMANCE if env.tier == Tier.PERFORMANCE else rng.choice(
                [BookingKind.CODE, BookingKind.CONFIG, BookingKind.REGRESSION, BookingKind.REGRESSION,
                 BookingKind.DEMO])
            purpose = rng.choice(PURPOSES[kind])
            # Drawn whatever the hour of seeding, so the same seed and day give the same data.
            cancelled, decision = rng.random() < 0.15, rng.random()
            if end <= now:
                past.append(Booking(
                    environment=env, requested_by=member.user, requester_label=member.user.email, team=team,
                    purpose=purpose, kind=kind, period=make_period(start, end), exclusive=env.capacity == 1,
                    status=Booking.Status.CANCELLED if cancelled else Booking.Status.APPROVED))
                continue
            actor = Actor(role=Role.ENGINEER, user=member.user)
            try:
                (booking,) = services.booking_request(actor=actor, environment=env, start=start, end=end,
                                                      purpose=purpose, kind=kind, team=team)
            except BookingConflict:  # an outage took the slot
                continue
            if booking.status == Booking.Status.REQUESTED and decision < 0.75:  # a quarter stay waiting
                _decide(booking, members, approve=decision < 0.67)
    for booking in past:
        booking.organization_id = env.organization_id
    Booking.objects.bulk_create(past)


def _decide(booking: Booking, members: dict[int, list[TeamMember]], *, approve: bool) -> None:
    """The owning team's manager decides most waiting requests; the rest wait, for the demo."""
    env = booking.environment
    managers = [m.user for m in members.get(env.owning_team_id, []) if m.is_manager and m.user != booking.requested_by]
    if not managers:
        return
    approver = Actor(role=Role.ENGINEER, user=managers[0])
    if approve:
        services.booking_approve(actor=approver, booking=booking, note="Approved")
    else:
        services.booking_reject(actor=approver, booking=booking, note="Clashes with the release rehearsal")


def _requests(actor: Actor, teams: list[Team], members: dict[int, list[TeamMember]],
              by_stream: dict[int, list[Environment]], rng: random.Random, today: date) -> None:
    staffed = [team for team in teams if members.get(team.pk)]
    engineers = {m.user_id for m in Membership.objects.filter(role=Role.ENGINEER)}
    for envs in by_stream.values():
        production = next(env for env in envs if env.tier == Tier.PRODUCTION)
        service = production.value_stream.services.order_by("slug").first() if production.value_stream else None
        requester = next((m.user for t in staffed for m in members[t.pk] if m.user_id in engineers), None)
        if service is not None and requester is not None:
            services.deployment_approval_request(
                actor=Actor(role=Role.ENGINEER, user=requester), environment=production, service_slug=service.slug,
                version=f"{rng.randint(1, 4)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}",
                note="Release candidate passed regression")
    manager = User.objects.filter(memberships__role=Role.ENVIRONMENT_MANAGER).order_by("email").first()
    env_manager = Actor(role=Role.ENVIRONMENT_MANAGER, user=manager) if manager else actor
    for index, (tier, purpose) in enumerate([(Tier.PERFORMANCE, "A second load-test rig for peak season"),
                                             (Tier.TEST, "Contract testing sandbox"),
                                             (Tier.INTEGRATION, "SIT for the new mobile backend")]):
        team = staffed[index % len(staffed)]
        item = services.provisioning_request_create(
            actor=Actor(role=Role.ENGINEER, user=members[team.pk][0].user), team=team, tier=tier, purpose=purpose,
            needed_by=today + timedelta(days=rng.randint(7, 30)))
        if index < 2:
            services.provisioning_request_advance(actor=env_manager, request=item,
                                                  status=ProvisioningRequest.Status.PROVISIONING,
                                                  note="Terraform change in review")
        if index == 0:
            services.provisioning_request_advance(actor=env_manager, request=item,
                                                  status=ProvisioningRequest.Status.READY, note="perf-2 is up")
