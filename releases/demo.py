"""Demo data: the default template, freeze windows (a weekend production freeze, the year-end
freeze, a value stream's freeze in force now), a production release window, and a release train
whose child releases across the value streams stand in different phases, with gates met,
pending, failed and waived, a dependency planned to finish late, a deployment plan, a booked
release slot, an emergency hotfix and a few deployment checks. Runs after environments' seeder.

Phases are advanced through the services, as a release manager would, so every gate decision
carries its evidence. Bookings the gates need are made through the environments services in free
slots; those already over are written directly (the services rightly refuse the past).
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from environments import services as environments
from environments.models import Booking, BookingKind, Environment, make_period
from environments.selectors import next_free_slot
from gates import services as gates
from gates.models import Criterion
from releases import services
from releases.defaults import DEFAULT_TEMPLATE
from releases.models import ActivityKind, Phase, Release, ReleaseKind, ReleaseStatus, Risk, Strategy
from vsm.accounts.models import User
from vsm.catalog.models import Service, Team, ValueStream
from vsm.tenancy.actor import Actor
from vsm.tenancy.models import Organization
from vsm.tenancy.roles import Role

CI = Actor(role=Role.ENGINEER, system="gitlab-ci")
BOOKING = timedelta(hours=6)


def _actor(role: str, fallback: Actor) -> Actor:
    user = User.objects.filter(memberships__role=role).order_by("email").first()
    return Actor(role=role, user=user) if user else fallback


def seed(org: Organization, *, rng: random.Random, today: date) -> None:
    zone = org.tzinfo
    system = Actor.for_system("seed_demo")
    rm = _actor(Role.RELEASE_MANAGER, system)
    approver = _actor(Role.APPROVER, system)
    owner = _actor(Role.OWNER, system)
    template = services.template_create(actor=rm, **DEFAULT_TEMPLATE)
    streams = {s.slug: s for s in ValueStream.objects.order_by("name")}

    def at(day: int, hour: int = 8) -> datetime:
        return datetime.combine(today + timedelta(days=day), time(hour), tzinfo=zone)

    _freezes(rm, streams, at, today, zone)
    window = services.slot_window_create(actor=rm, name="Evening release window", starts_at=at(0, 18),
                                         ends_at=at(0, 22), rrule="FREQ=WEEKLY;BYDAY=TU,TH", capacity=3,
                                         time_zone=org.time_zone)
    quarter = (today.month - 1) // 3 + 1
    train = services.release_create(actor=rm, name="Customer train", version=f"{today.year}-Q{quarter}",
                                    kind=ReleaseKind.ENTERPRISE, status=ReleaseStatus.PLANNED, risk=Risk.HIGH,
                                    description="Payments, checkout and the mobile apps ship together.")
    version = f"{today.year % 100}.{quarter}"
    children = {}
    for slug, start_day in (("payments", -11), ("checkout", -6), ("mobile", 3)):
        stream = streams.get(slug)
        if stream is None:
            continue
        children[slug] = services.release_create_from_template(
            actor=rm, template=template, name=f"{stream.name} release", version=f"{version}.{rng.randint(0, 9)}",
            value_stream=stream, planned_start=at(start_day), parent=train, risk=rng.choice(list(Risk.values)),
            strategy=Strategy.CANARY if slug == "payments" else Strategy.ROLLING,
            services=[(s, "") for s in Service.objects.filter(value_stream=stream).order_by("slug")])
    if "payments" in children:
        _walk_payments(children["payments"], rm, approver, window, at)
    if "checkout" in children:
        _walk_checkout(children["checkout"], rm, owner)
        if "payments" in children:
            services.dependency_add(actor=rm, release=children["checkout"], depends_on=children["payments"],
                                    needed_by=at(2), note="The new checkout calls the payments API v3")
    if "payments" in streams:
        _hotfix(rm, streams["payments"], at)
    _checks(children)


def _freezes(rm: Actor, streams: dict[str, ValueStream], at, today: date, zone) -> None:
    friday = today + timedelta(days=(4 - today.weekday()) % 7) - timedelta(days=7)
    services.freeze_window_create(
        actor=rm, name="Weekend production freeze", tier="production", reason="Nobody deploys to production "
        "when half the on-call team is off.", starts_at=datetime.combine(friday, time(16), tzinfo=zone),
        ends_at=datetime.combine(friday + timedelta(days=3), time(8), tzinfo=zone), rrule="FREQ=WEEKLY;BYDAY=FR",
        time_zone=zone.key)
    year = today.year - 1 if today <= date(today.year, 1, 5) else today.year  # the one in force or next
    services.freeze_window_create(
        actor=rm, name="Year-end freeze", reason="Peak trading and reduced staffing",
        starts_at=datetime(year, 12, 20, tzinfo=zone), ends_at=datetime(year + 1, 1, 5, tzinfo=zone))
    if "mobile" in streams:
        services.freeze_window_create(
            actor=rm, name="App store review", value_stream=streams["mobile"], starts_at=at(-1, 9),
            ends_at=at(2, 18), reason="The apps are in store review: no backend changes until approved.")


def _book(release: Release, environment: Environment, start: datetime, *, past: bool) -> None:
    """An approved booking of `environment` naming the release, in the first free slot from `start`."""
    free = next_free_slot(environments=[environment], start=start, length=BOOKING)
    if free is None:
        return
    team = Team.objects.filter(services__value_stream=release.value_stream_id).first()
    purpose = f"{release} {environment.tier} tests"
    if past:
        Booking.objects.create(environment=environment, requester_label="seed_demo", team=team, purpose=purpose,
                               kind=BookingKind.REGRESSION, release_ref=release.version,
                               period=make_period(free, free + BOOKING), status=Booking.Status.APPROVED,
                               exclusive=environment.capacity == 1)
        return
    system = Actor.for_system("seed_demo")
    (booking,) = environments.booking_request(actor=system, environment=environment, start=free, end=free + BOOKING,
                                              purpose=purpose, kind=BookingKind.REGRESSION, team=team,
                                              release_ref=release.version)
    if booking.status == Booking.Status.REQUESTED:
        environments.booking_approve(actor=system, booking=booking, note="Booked for the release")


def _phase(release: Release, name: str) -> Phase:
    return Phase.objects.select_related("environment", "entry_gate", "exit_gate").get(release=release, name=name)


def _sign(actor: Actor, phase: Phase, *, exit_gate: bool = True, decision: str = "approve") -> None:
    gate = phase.exit_gate if exit_gate else phase.entry_gate
    for criterion in gate.criteria.filter(type=Criterion.Type.MANUAL):
        gates.gate_sign_off(actor=actor, criterion=criterion, decision=decision, comment="Checked in the demo")


def _walk_payments(release: Release, rm: Actor, approver: Actor, window, at) -> None:
    """BUILD and SIT done, UAT running; business acceptance pending; plan half done; slot booked."""
    now = timezone.now()
    services.release_advance_phase(actor=rm, release=release)
    gates.ci_result_report(actor=CI, name="unit-tests", subject=release.version, passed=True,
                           evidence_url="https://ci.acme.test/pipelines/4711")
    sit, uat = _phase(release, "SIT"), _phase(release, "UAT")
    _book(release, sit.environment, sit.planned_start, past=sit.planned_end <= now)
    services.release_advance_phase(actor=rm, release=release)
    gates.ci_result_report(actor=CI, name="integration-tests", subject=release.version, passed=True,
                           summary="412 passed", evidence_url="https://ci.acme.test/pipelines/4720")
    _sign(approver, sit)
    _book(release, uat.environment, max(now, uat.planned_start), past=False)
    services.release_advance_phase(actor=rm, release=release)
    for title, kind, done in (("Announce the maintenance window", ActivityKind.MANUAL, True),
                              ("Run database migrations", ActivityKind.AUTOMATED, True),
                              ("Open firewall port for the ledger", ActivityKind.MANUAL, False),
                              ("Canary to 10% of traffic", ActivityKind.AUTOMATED, False),
                              ("Roll out to 100%", ActivityKind.AUTOMATED, False)):
        activity = services.activity_add(actor=rm, release=release, title=title, kind=kind, owner=rm.user,
                                         planned_at=_phase(release, "PROD").planned_start)
        if done:
            services.activity_complete(actor=rm if kind == ActivityKind.MANUAL else CI, activity=activity)
    prod = _phase(release, "PROD")
    slot = next(iter(window.recurrence.overlapping(prod.planned_start, prod.planned_start + timedelta(days=14))),
                None)
    if slot is not None and slot[1] > now:
        services.slot_book(actor=rm, window=window, release=release, slot_start=slot[0])


def _walk_checkout(release: Release, rm: Actor, waiver_holder: Actor) -> None:
    """BUILD done, SIT running: integration tests failed, the test lead's sign-off waived."""
    now = timezone.now()
    services.release_advance_phase(actor=rm, release=release)
    gates.ci_result_report(actor=CI, name="unit-tests", subject=release.version, passed=True)
    sit = _phase(release, "SIT")
    _book(release, sit.environment, max(now, sit.planned_start), past=False)
    services.release_advance_phase(actor=rm, release=release)
    gates.ci_result_report(actor=CI, name="integration-tests", subject=release.version, passed=False,
                           summary="3 failed: basket total rounding", evidence_url="https://ci.acme.test/pipelines/4733")
    # Decided now rather than by the task that runs after commit, so the demo shows it at once.
    gates.gate_evaluate(actor=rm, gate=sit.exit_gate)
    sign_off = sit.exit_gate.criteria.get(type=Criterion.Type.MANUAL)
    gates.criterion_waive(actor=waiver_holder, criterion=sign_off, reason="Test lead on leave; signs on return",
                          expires_at=now + timedelta(days=3))


def _hotfix(rm: Actor, stream: ValueStream, at) -> None:
    service = Service.objects.filter(value_stream=stream).order_by("slug").first()
    hotfix = services.release_create(actor=rm, name=f"{stream.name} hotfix", version="hotfix-1",
                                     kind=ReleaseKind.EMERGENCY, value_stream=stream, status=ReleaseStatus.PLANNED,
                                     risk=Risk.CRITICAL, services=[(service, "")] if service else [],
                                     description="Card payments fail for one issuer.")
    prod = Environment.objects.filter(value_stream=stream, is_production=True).first()
    services.phase_add(actor=rm, release=hotfix, name="PROD", environment=prod, planned_start=at(0, 9),
                       planned_end=at(0, 17), entry_criteria=[
                           {"title": "Incident commander's go", "type": "manual", "signer_role": "approver"}])


def _checks(children: dict[str, Release]) -> None:
    """What CI asked today: some allowed, some denied (they feed the waits metrics)."""
    for release in children.values():
        link = release.service_links.select_related("service").first()
        if link is None:
            continue
        for phase in release.phases.filter(environment__isnull=False).order_by("order")[:3]:
            services.deployment_check(actor=CI, service=link.service.slug, environment=phase.environment.slug,
                                      version=release.version)
