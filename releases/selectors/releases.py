"""Reads of releases: lists, the detail with everything its page shows, the roll-up of a train,
the release a deployment belongs to, dependency warnings and what moving a phase collides with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from environments.models import Booking, Environment
from environments.selectors import approved_overlapping
from releases.models import (
    DeploymentActivity,
    FreezeOverride,
    Phase,
    PhaseStatus,
    Release,
    ReleaseDependency,
    ReleaseService,
    ReleaseStatus,
    ReleaseTemplate,
    TemplatePhase,
)
from releases.selectors.deployments import Slot, slots_between
from releases.selectors.freezes import FreezeOccurrence, freeze_active, freeze_occurrences, freeze_override_in_force
from vsm.catalog.models import ValueStream
from vsm.moments import moment_text

OPEN = [ReleaseStatus.DRAFT, ReleaseStatus.PLANNED, ReleaseStatus.IN_PROGRESS]
BOOKING_REF_MAX = 120  # environments' Booking.release_ref


def release_list() -> QuerySet[Release]:
    """Releases with their current phase and how many children they have: one query; filtered by
    releases.filters.ReleaseFilter."""
    current = Phase.objects.filter(release=OuterRef("pk"), status=PhaseStatus.ACTIVE).values("name")[:1]
    return Release.objects.select_related("value_stream", "owner", "parent").annotate(
        children_count=Count("children", distinct=True),
        phase_count=Count("phases", distinct=True),
        phases_done=Count("phases", filter=Q(phases__status=PhaseStatus.DONE), distinct=True),
        current_phase=Subquery(current),
    ).order_by(Coalesce("planned_start", "created_at"), "id")


def phases_with_gates() -> QuerySet[Phase]:
    return Phase.objects.select_related("environment", "entry_gate", "exit_gate").order_by("order")


def release_detail_list() -> QuerySet[Release]:
    """Releases with what their detail page and API show, in a fixed number of queries: the
    list's annotations (current phase, counts) and the rows hanging off each."""
    return release_list().select_related("template").prefetch_related(
        Prefetch("phases", queryset=phases_with_gates()),
        Prefetch("service_links", queryset=ReleaseService.objects.select_related("service").order_by("service__slug")),
        Prefetch("children", queryset=release_list()),
        Prefetch("dependencies", queryset=ReleaseDependency.objects.select_related("depends_on")),
        Prefetch("dependents", queryset=ReleaseDependency.objects.select_related("release")),
        Prefetch("activities", queryset=DeploymentActivity.objects.select_related("owner").order_by("order", "id")),
    )


def release_get(*, release_id: int) -> Release | None:
    return release_detail_list().filter(pk=release_id).first()


@dataclass
class Rollup:
    """A train seen through its children: their span, statuses and progress."""

    children: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    start: datetime | None = None
    end: datetime | None = None
    phases: int = 0
    phases_done: int = 0

    @property
    def percent_done(self) -> int:
        return round(100 * self.phases_done / self.phases) if self.phases else 0


def release_rollup(*, release: Release) -> Rollup:
    """Uses the prefetched, annotated children of release_detail_list()."""
    children = list(release.children.all())
    rollup = Rollup(children=len(children))
    for child in children:
        rollup.by_status[child.status] = rollup.by_status.get(child.status, 0) + 1
        rollup.phases += child.phase_count
        rollup.phases_done += child.phases_done
    starts = [r.planned_start for r in [release, *children] if r.planned_start]
    ends = [r.planned_end for r in [release, *children] if r.planned_end]
    rollup.start, rollup.end = (min(starts) if starts else None), (max(ends) if ends else None)
    return rollup


def release_refs(release: Release) -> set[str]:
    """What a booking's "release" field may say to mean this release (compared case-insensitively)."""
    return {release.version.lower(), f"{release.name} {release.version}".lower(), f"release-{release.pk}"}


def booking_release_choices() -> list[tuple[str, str]]:
    """The open releases a booking may name, for the booking page's select. The stored value is
    one of release_refs (the name and version, or `release-<id>` where that would not fit the
    booking's 120 characters), so the "booking held" criterion finds the booking."""
    releases = Release.objects.filter(status__in=OPEN).order_by(Coalesce("planned_start", "created_at"), "id")
    return [(str(r) if len(str(r)) <= BOOKING_REF_MAX else f"release-{r.pk}", f"{r} ({r.get_status_display().lower()})")
            for r in releases.only("pk", "name", "version", "status")]


# --- dependencies ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LateDependency:
    dependency: ReleaseDependency
    needed_by: datetime
    finishes_at: datetime

    @property
    def message(self) -> str:
        return (f"{self.dependency.release} needs {self.dependency.depends_on} by {moment_text(self.needed_by)}, "
                f"but it is planned to finish {moment_text(self.finishes_at)}.")


def _late(dependency: ReleaseDependency, *, dependent_start: datetime | None, finishes_at: datetime | None
          ) -> LateDependency | None:
    needed = dependency.needed_by or dependent_start
    if needed is None or finishes_at is None or finishes_at <= needed:
        return None
    return LateDependency(dependency, needed, finishes_at)


def dependency_warnings(*, release: Release) -> list[LateDependency]:
    """Dependencies of `release` planned to finish after it needs them, and releases depending on
    it that it will be late for. Uses the prefetched dependencies of release_detail_list()."""
    found = []
    for dependency in release.dependencies.all():
        found.append(_late(dependency, dependent_start=release.planned_start,
                           finishes_at=dependency.depends_on.planned_end))
    for dependency in release.dependents.all():
        found.append(_late(dependency, dependent_start=dependency.release.planned_start,
                           finishes_at=release.planned_end))
    return [late for late in found if late is not None]


# --- what a plan collides with -----------------------------------------------------------------

@dataclass
class PhaseCollisions:
    """What a phase running [start, end) in an environment collides with: freeze windows, other
    people's bookings of the environment, full release slots (a production phase whose every
    slot is taken), the environment not being booked for the release where it needs a booking,
    and dependencies that would be late."""

    freezes: list[FreezeOccurrence] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    full_slots: list[Slot] = field(default_factory=list)
    unbooked: Environment | None = None
    late: list[LateDependency] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.freezes or self.bookings or self.full_slots or self.unbooked or self.late)


def _full_slots(start: datetime, end: datetime, environment: Environment | None) -> list[Slot]:
    """The release slots within a production phase, when every one of them is full."""
    if environment is None or not environment.is_production:
        return []
    slots = slots_between(start=start, end=end, limit=50)
    return slots if slots and all(slot.free == 0 for slot in slots) else []


def _collisions_in(*, start: datetime, end: datetime, environment: Environment | None, value_stream,
                   refs: set[str]) -> PhaseCollisions:
    """What a phase of the release known by `refs` (release_refs) collides with in [start, end);
    dependencies aside, which need the release."""
    found = PhaseCollisions()
    found.freezes = freeze_occurrences(start=start, end=end, environment=environment, value_stream=value_stream)
    if environment is not None:
        held = list(approved_overlapping(environment_ids=[environment.pk], start=start, end=end))
        ours = [b for b in held if b.release_ref.strip().lower() in refs]
        found.bookings = [b for b in held if b not in ours]
        found.unbooked = environment if environment.needs_booking and not ours else None
    found.full_slots = _full_slots(start, end, environment)
    return found


def phase_collisions(*, phase: Phase, start: datetime, end: datetime, environment: Environment | None
                     ) -> PhaseCollisions:
    """What `phase` would collide with if it ran [start, end) in `environment` (see
    PhaseCollisions; dependencies: releases needing this one, or releases this one needs, given
    the release's new span)."""
    release = phase.release
    found = _collisions_in(start=start, end=end, environment=environment, value_stream=release.value_stream_id,
                           refs=release_refs(release))
    others = list(Phase.objects.filter(release=release).exclude(pk=phase.pk).values_list(
        "planned_start", "planned_end"))
    new_start = min([start, *(s for s, _ in others)])
    new_end = max([end, *(e for _, e in others)])
    for dependency in ReleaseDependency.objects.filter(release=release).select_related("depends_on", "release"):
        found.late.append(_late(dependency, dependent_start=new_start, finishes_at=dependency.depends_on.planned_end))
    for dependency in ReleaseDependency.objects.filter(depends_on=release).select_related("release", "depends_on"):
        found.late.append(_late(dependency, dependent_start=dependency.release.planned_start, finishes_at=new_end))
    found.late = [late for late in found.late if late is not None]
    return found


@dataclass(frozen=True)
class PlannedPhase:
    """A phase a template would make: its place, environment and dates."""

    name: str
    order: int
    environment: Environment | None
    start: datetime
    end: datetime


def environment_for_tier(tier: str, value_stream: ValueStream | int | None) -> Environment | None:
    """The environment of `tier` a phase targets by default: the value stream's own, else a shared one."""
    if not tier:
        return None
    stream_id = value_stream.pk if isinstance(value_stream, ValueStream) else value_stream
    streams = Q(value_stream__isnull=True) | (Q(value_stream_id=stream_id) if stream_id else Q(pk__in=[]))
    return Environment.objects.filter(streams, tier=tier).order_by(
        F("value_stream_id").asc(nulls_last=True), "name").first()


def template_plan(*, template: ReleaseTemplate, planned_start: datetime, value_stream: ValueStream | None,
                  environments: Mapping[int, Environment | None] | None = None) -> list[PlannedPhase]:
    """The template's phases laid end to end from `planned_start`. A phase targets the environment
    given for its template order in `environments`, else environment_for_tier."""
    environments = environments or {}
    plan, cursor = [], planned_start
    for index, step in enumerate(sorted(template.phases.all(), key=lambda step: step.order)):
        end = cursor + timedelta(days=step.duration_days or 1)
        environment = environments[step.order] if step.order in environments else environment_for_tier(
            step.tier, value_stream)
        plan.append(PlannedPhase(step.name, index + 1, environment, cursor, end))
        cursor = end
    return plan


def plan_collisions(*, plan: list[PlannedPhase], name: str, version: str, value_stream: ValueStream | None
                    ) -> list[tuple[PlannedPhase, PhaseCollisions]]:
    """What each phase of a release not made yet (`name` `version`) would collide with."""
    refs = {version.strip().lower(), f"{name} {version}".strip().lower()} - {""}
    return [(step, _collisions_in(start=step.start, end=step.end, environment=step.environment,
                                  value_stream=value_stream.pk if value_stream else None, refs=refs))
            for step in plan]


@dataclass(frozen=True)
class FreezeInTheWay:
    """A freeze in force on the environment a phase deploys into, and the override letting the
    release through it, if one is in force."""

    occurrence: FreezeOccurrence
    override: FreezeOverride | None


def advance_freezes(*, release: Release, phase: Phase | None, at: datetime | None = None) -> list[FreezeInTheWay]:
    """The freezes in force now on the environment `phase` (the one an advance starts) deploys
    into: starting it is a deployment there, so each needs a break-glass override."""
    if phase is None or phase.environment_id is None:
        return []
    at = at or timezone.now()
    return [FreezeInTheWay(running, freeze_override_in_force(window=running.window, at=at, release_id=release.pk,
                                                             environment=phase.environment))
            for running in freeze_active(at=at, environment=phase.environment, value_stream=release.value_stream_id)]


def advance_collisions(*, release: Release, phase: Phase | None, at: datetime | None = None
                       ) -> PhaseCollisions | None:
    """What starting `phase` now collides with, from now to its planned end."""
    if phase is None:
        return None
    at = at or timezone.now()
    return phase_collisions(phase=phase, start=at, end=max(phase.planned_end, at + timedelta(minutes=1)),
                            environment=phase.environment)


# --- calendar -------------------------------------------------------------------------------

def release_calendar(*, start: datetime, end: datetime, value_stream: str | None = None) -> QuerySet[Release]:
    """Releases planned to overlap [start, end), a train first and then its children, with their phases."""
    qs = Release.objects.filter(planned_start__lt=end, planned_end__gt=start).exclude(
        status=ReleaseStatus.CANCELLED).select_related("value_stream", "parent").prefetch_related(
        Prefetch("phases", queryset=Phase.objects.select_related("environment").order_by("order")))
    if value_stream:
        qs = qs.filter(value_stream__slug=value_stream)
    return qs.annotate(train=Coalesce("parent_id", "id")).order_by(
        "train", F("parent_id").asc(nulls_first=True), "planned_start", "id")


# --- templates ------------------------------------------------------------------------------

def template_list() -> QuerySet[ReleaseTemplate]:
    return ReleaseTemplate.objects.prefetch_related(
        Prefetch("phases", queryset=TemplatePhase.objects.order_by("order"))).order_by("name")


def template_get(*, template_id: int) -> ReleaseTemplate | None:
    return template_list().filter(pk=template_id).first()
