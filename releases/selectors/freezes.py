"""Reads of freeze windows: which apply where, which run now (and until when), which occurrences
fall in a period (calendar, feed, collision preview), and the overrides in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from environments.models import Environment
from releases.models import FreezeOverride, FreezeScope, FreezeWindow, FreezeWindowEnvironment
from releases.selectors.freeze_rules import freeze_rules
from vsm.catalog.models import ValueStream

UNSET: Any = object()


@dataclass(frozen=True)
class FreezeOccurrence:
    window: FreezeWindow
    start: datetime
    end: datetime  # for a running freeze: when deployments may resume (back-to-back occurrences joined)


def freeze_window_list() -> QuerySet[FreezeWindow]:
    """By start; filtered by releases.filters.FreezeWindowFilter."""
    return FreezeWindow.objects.select_related("value_stream", "created_by").prefetch_related(
        Prefetch("environments", queryset=Environment.objects.order_by("name"))).order_by("starts_at", "id")


def freeze_not_over(*, at: datetime | None = None) -> Q:
    """Windows with an occurrence still to end (or no last end: recurring for ever)."""
    return Q(last_ends_at__isnull=True) | Q(last_ends_at__gt=at or timezone.now())


def freeze_window_get(*, window_id: int) -> FreezeWindow | None:
    return freeze_window_list().filter(pk=window_id).first()


def _in_period(start: datetime, end: datetime) -> Q:
    return Q(starts_at__lt=end) & (Q(last_ends_at__isnull=True) | Q(last_ends_at__gt=start))


def _covering(windows: list[FreezeWindow], environments: list[Environment], value_stream, linked: set[int]
              ) -> list[FreezeWindow]:
    """The windows whose scope covers a deployment of `value_stream` into any of `environments`
    (`linked`: the windows of scope "environments" naming one of them). Decided in Python over
    the few windows in force: every deployment check asks."""
    streams = {s for s in (_pk(value_stream), *(env.value_stream_id for env in environments)) if s}
    tiers = {env.tier for env in environments}
    return [w for w in windows if w.scope == FreezeScope.ORGANIZATION
            or (w.scope == FreezeScope.VALUE_STREAM and w.value_stream_id in streams)
            or (w.scope == FreezeScope.TIER and w.tier in tiers)
            or w.pk in linked]


def _candidates(start: datetime, end: datetime, environments: list[Environment], value_stream,
                everywhere: bool) -> list[FreezeWindow]:
    """One query: the windows with an occurrence in [start, end), each knowing whether it names
    one of `environments`."""
    windows = FreezeWindow.objects.filter(_in_period(start, end)).select_related("value_stream").order_by(
        "starts_at", "id")
    if everywhere:
        return list(windows)
    windows = list(windows.annotate(names_environment=Exists(FreezeWindowEnvironment.objects.filter(
        freeze_window=OuterRef("pk"), environment__in=[env.pk for env in environments]))))
    return _covering(windows, environments, value_stream, {w.pk for w in windows if w.names_environment})


def _pk(value) -> int | None:
    return value.pk if isinstance(value, ValueStream) else value


def _running(at: datetime | None, environments: list[Environment], value_stream, everywhere: bool,
             version: Any = UNSET) -> list[FreezeOccurrence]:
    """With the organization's rules `version` (the deployment check reads it with the service),
    from the rules kept in memory; else, or for a moment in the past, in one query."""
    at = at or timezone.now()
    rules = None if version is UNSET else freeze_rules(at=at, version=version)
    if rules is None:
        return [FreezeOccurrence(window, *running)
                for window in _candidates(at, at + timedelta(microseconds=1), environments, value_stream, everywhere)
                if (running := window.recurrence.active_at(at)) is not None]
    windows = [w for w in rules.windows if w.starts_at <= at and (w.last_ends_at is None or w.last_ends_at > at)]
    if not everywhere:
        windows = _covering(windows, environments, value_stream, rules.linked({env.pk for env in environments}))
    return [FreezeOccurrence(window, *running) for window in windows
            if (running := rules.running(window, at)) is not None]


def freeze_active(*, at: datetime | None = None, environment: Environment | None = None,
                  value_stream: ValueStream | int | None = None, version: Any = UNSET) -> list[FreezeOccurrence]:
    """The freeze windows in force at `at` for a deployment of `value_stream` into `environment`,
    each with its current end. With neither given: every window in force anywhere (the banner).
    `version`: the organization's rules version, when the caller has read it (the deployment
    check): the windows then come from memory instead of a query."""
    everywhere = environment is None and value_stream is None
    return _running(at, [environment] if environment is not None else [], value_stream, everywhere, version)


def freeze_active_anywhere_in(*, environments: list[Environment], value_stream: ValueStream | int | None,
                              at: datetime | None = None) -> list[FreezeOccurrence]:
    """The freezes in force for a deployment of `value_stream` into any of `environments` (a
    release's phases), in one query."""
    if not environments and value_stream is None:
        return []
    return sorted(_running(at, environments, value_stream, everywhere=False), key=lambda o: (o.end, o.window.pk))


def freeze_occurrences(*, start: datetime, end: datetime, environment: Environment | None = None,
                       value_stream: ValueStream | int | None = None, everywhere: bool = False
                       ) -> list[FreezeOccurrence]:
    """Occurrences overlapping [start, end), of the windows that apply (or of all, `everywhere`)."""
    found = []
    for window in _candidates(start, end, [environment] if environment is not None else [], value_stream, everywhere):
        found += [FreezeOccurrence(window, s, e) for s, e in window.recurrence.overlapping(start, end)]
    return sorted(found, key=lambda o: (o.start, o.window.pk))


def freeze_override_in_force(*, window: FreezeWindow, at: datetime, release_id: int | None,
                             environment: Environment | None) -> FreezeOverride | None:
    """An override of `window` still valid at `at` for this release or this environment."""
    holders = Q(pk__in=[])
    if release_id is not None:
        holders |= Q(release_id=release_id)
    if environment is not None:
        holders |= Q(environment=environment, release__isnull=True)
    return FreezeOverride.objects.filter(holders, freeze_window=window, expires_at__gt=at).order_by(
        "-expires_at").first()


def freeze_override_list(*, window: FreezeWindow | None = None) -> QuerySet[FreezeOverride]:
    qs = FreezeOverride.objects.select_related("freeze_window", "release", "environment").order_by("-granted_at", "-id")
    if window is not None:
        qs = qs.filter(freeze_window=window)
    return qs
