"""Reads of releases: lists, the detail with everything its page shows, the roll-up of a train,
the release a deployment belongs to, dependency warnings and what moving a phase collides with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from environments.models import Booking, Environment
from environments.selectors import approved_overlapping
from releases.models import (
    DeploymentActivity,
    Phase,
    PhaseStatus,
    Release,
    ReleaseDependency,
    ReleaseService,
    ReleaseStatus,
    ReleaseTemplate,
    TemplatePhase,
)
from releases.selectors.freezes import FreezeOccurrence, freeze_occurrences
from vsm.moments import moment_text

OPEN = [ReleaseStatus.DRAFT, ReleaseStatus.PLANNED, ReleaseStatus.IN_PROGRESS]


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


# --- moving a phase -------------------------------------------------------------------------

@dataclass
class PhaseCollisions:
    freezes: list[FreezeOccurrence] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    late: list[LateDependency] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.freezes or self.bookings or self.late)


def phase_collisions(*, phase: Phase, start: datetime, end: datetime, environment: Environment | None
                     ) -> PhaseCollisions:
    """What `phase` would collide with if it ran [start, end) in `environment`: freeze windows,
    other people's bookings of the environment, and dependencies that would be late (releases
    needing this one, or releases this one needs, given the release's new span)."""
    release = phase.release
    found = PhaseCollisions()
    if environment is not None:
        found.freezes = freeze_occurrences(start=start, end=end, environment=environment,
                                           value_stream=release.value_stream_id)
        ours = release_refs(release)
        found.bookings = [b for b in approved_overlapping(environment_ids=[environment.pk], start=start, end=end)
                          if b.release_ref.strip().lower() not in ours]
    else:
        found.freezes = freeze_occurrences(start=start, end=end, value_stream=release.value_stream_id)
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
