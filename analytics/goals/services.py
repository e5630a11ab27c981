"""Writes of the metric goals (audited), the crossing check that tells when a goal is missed
or a metric drops a DORA level, and the weekly digest per value stream (docs/analytics.md,
"Goals and the weekly digest")."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from analytics.dora.incidents import open_incident_list, severity_words
from analytics.dora.selectors import dora_breakdown, dora_report
from analytics.dora.tiles import METRIC_KEYS, METRICS, tiles
from analytics.goals import progress
from analytics.goals.selectors import goal_list, goals_by_group, goals_for
from analytics.models import DigestSent, GoalComparison, GoalScope, MetricGoal
from analytics.query import MetricQuery
from analytics.templatetags.metrics import metric as written
from vsm.accounts.models import User
from vsm.audit.services import audit_record, snapshot
from vsm.catalog.models import Team, ValueStream
from vsm.entities import delete_entity
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.notifications.models import NotificationKind
from vsm.notifications.services import notify
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import cross_tenant, require_org_id
from vsm.tenancy.models import Membership, Organization
from vsm.tenancy.roles import ROLE_PERMISSIONS, Perm
from vsm.tenancy.tasks import enqueue

UNSET = object()
UNITS = {m.key: m.unit for m in METRICS}
LABELS = {m.key: m.label for m in METRICS}
# The crossing check holds each goal to the last 30 whole days (up to yesterday, in the
# organization's time zone); the digest compares the last 7 whole days with the 7 before.
CHECK_DAYS = 30
DIGEST_DAYS = 7
DIGEST_HOUR = 7
TARGET_MAX = 1_000_000.0
# Who sets goals and receives the digests: the roles that manage releases (owners, admins,
# release managers).
GOAL_PERMISSION = Perm.MANAGE_RELEASES


def _require(actor: Actor) -> None:
    if not actor.has(GOAL_PERMISSION):
        raise PermissionRefused("Your role may not set metric goals.")


def _validated(goal: MetricGoal) -> None:
    """The goal's own rules, each refusal naming its field."""
    if goal.metric not in METRIC_KEYS:
        raise InvalidInput.field("metric", f"metric must be one of {', '.join(METRIC_KEYS)}.")
    if goal.comparison not in GoalComparison.values:
        raise InvalidInput.field("comparison", "comparison must be at_most or at_least.")
    if goal.scope not in GoalScope.values:
        raise InvalidInput.field("scope", f"scope must be one of {', '.join(GoalScope.values)}.")
    target = goal.target
    if not isinstance(target, int | float) or isinstance(target, bool) or not math.isfinite(target) \
            or not 0 <= target <= TARGET_MAX:
        raise InvalidInput.field("target", f"target must be a number from 0 to {TARGET_MAX:.0f}.")
    if UNITS[goal.metric] == "rate" and target > 1:
        raise InvalidInput.field("target", "A rate's target is a fraction from 0 to 1 (0.1 is 10 %).")
    if goal.scope == GoalScope.VALUE_STREAM and goal.value_stream_id is None:
        raise InvalidInput.field("value_stream", "A value stream's goal names the value stream.")
    if goal.scope == GoalScope.TEAM and goal.team_id is None:
        raise InvalidInput.field("team", "A team's goal names the team.")
    if goal.scope != GoalScope.VALUE_STREAM and goal.value_stream_id is not None:
        raise InvalidInput.field("value_stream", f"A goal of scope {goal.scope} names no value stream.")
    if goal.scope != GoalScope.TEAM and goal.team_id is not None:
        raise InvalidInput.field("team", f"A goal of scope {goal.scope} names no team.")


def _save(goal: MetricGoal) -> None:
    _validated(goal)
    twin = MetricGoal.objects.filter(scope=goal.scope, value_stream_id=goal.value_stream_id, team_id=goal.team_id,
                                     metric=goal.metric).exclude(pk=goal.pk).first()
    if twin is not None:
        raise Conflict(f"This scope already has a goal for {goal.metric} (goal {twin.pk}).", goal=twin.pk)
    try:
        with transaction.atomic():
            goal.save()
    except IntegrityError as error:  # a concurrent twin, saved between the check and the insert
        raise Conflict(f"This scope already has a goal for {goal.metric}.") from error


def goal_create(*, actor: Actor, metric: str, comparison: str, target: float, scope: str | None = None,
                value_stream: ValueStream | None = None, team: Team | None = None) -> MetricGoal:
    """A goal for `metric`; without `scope` the group given implies it, else the organization."""
    _require(actor)
    if scope is None:
        scope = GoalScope.VALUE_STREAM if value_stream else GoalScope.TEAM if team else GoalScope.ORGANIZATION
    goal = MetricGoal(scope=scope, value_stream=value_stream, team=team, metric=metric, comparison=comparison,
                      target=target)
    with transaction.atomic():
        _save(goal)
        audit_record(actor=actor, action="metricgoal.created", instance=goal, after=snapshot(goal))
    return goal


def goal_update(*, actor: Actor, goal: MetricGoal, comparison=UNSET, target=UNSET) -> MetricGoal:
    """Change the comparison or target; the scope and metric define the goal and stay."""
    _require(actor)
    with transaction.atomic():
        goal = MetricGoal.objects.select_for_update().get(pk=goal.pk)
        before = snapshot(goal)
        if comparison is not UNSET:
            goal.comparison = comparison
        if target is not UNSET:
            goal.target = target
        # A new target is judged afresh: the next check records the state without telling.
        goal.last_met = None
        _save(goal)
        audit_record(actor=actor, action="metricgoal.updated", instance=goal, before=before, after=snapshot(goal))
    return goal


def goal_delete(*, actor: Actor, goal: MetricGoal) -> None:
    _require(actor)
    delete_entity(goal, actor=actor)


# --- Being told ------------------------------------------------------------------------------

def _last_days(days: int, *, today: date, tz: ZoneInfo, **scope) -> MetricQuery:
    return MetricQuery(window_from=today - timedelta(days=days), window_to=today - timedelta(days=1), tz=tz,
                       **scope)


def _recipients() -> list[User]:
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if GOAL_PERMISSION in perms]
    return list(User.objects.filter(pk__in=Membership.objects.filter(role__in=roles).values("user_id"))
                .order_by("pk"))


def _organization() -> Organization:
    return Organization.objects.get(pk=require_org_id())


def goals_check(*, now: datetime | None = None) -> int:
    """Hold every goal to its metric over the last CHECK_DAYS days; tell the recipients when a
    goal went from met to missed or its metric dropped a DORA level since the last check, once
    per crossing (the state seen is stored on the goal). Returns the notifications sent."""
    goals = list(MetricGoal.objects.select_related("value_stream", "team").order_by("pk"))
    if not goals:
        return 0
    org = _organization()
    tz = ZoneInfo(org.time_zone)
    today = timezone.localdate(now or timezone.now(), tz)
    query = _last_days(CHECK_DAYS, today=today, tz=tz)
    # One statement per kind of group: the organization, its value streams, its teams.
    blocks = {(GoalScope.ORGANIZATION, None): dora_report(query=query)}
    for scope, by, model in ((GoalScope.VALUE_STREAM, "value_stream", ValueStream), (GoalScope.TEAM, "team", Team)):
        if any(goal.scope == scope for goal in goals):
            ids = dict(model.objects.values_list("slug", "pk"))
            blocks.update({(scope, ids[row["key"]]): row for row in dora_breakdown(query=query, by=by)})
    told = 0
    recipients = _recipients()
    for goal in goals:
        group = goal.value_stream_id if goal.scope == GoalScope.VALUE_STREAM else goal.team_id
        block = blocks.get((goal.scope, group), {}).get(goal.metric, {})
        value = block.get(next(m.headline for m in METRICS if m.key == goal.metric))
        is_met, level = progress.met(goal, value), block.get("level") or ""
        news = []
        if goal.last_met is True and is_met is False:
            news.append(f"now {written(value, UNITS[goal.metric])}, the goal is "
                        f"{goal.get_comparison_display()} {written(goal.target, UNITS[goal.metric])}")
        if progress.level_dropped(goal.last_level, level):
            news.append(f"dropped from {goal.last_level} to {level}")
        with transaction.atomic():
            if news and recipients:
                told += len(notify(recipients=recipients, kind=NotificationKind.GOAL_MISSED,
                                   title=f"{LABELS[goal.metric]} of {_group_name(goal)}: {'; '.join(news)}",
                                   body=f"Over the last {CHECK_DAYS} days.", url=_dashboard_url(org, goal)))
            MetricGoal.objects.filter(pk=goal.pk).update(
                last_met=goal.last_met if is_met is None else is_met, last_level=level or goal.last_level)
    return told


def _group_name(goal: MetricGoal) -> str:
    if goal.scope == GoalScope.VALUE_STREAM:
        return f"value stream {goal.value_stream.name}"
    if goal.scope == GoalScope.TEAM:
        return f"team {goal.team.name}"
    return "the organization"


def _dashboard_url(org: Organization, goal: MetricGoal) -> str:
    if goal.scope == GoalScope.VALUE_STREAM:
        return reverse("analytics:value_stream", kwargs={"org_slug": org.slug,
                                                         "value_stream_slug": goal.value_stream.slug})
    url = reverse("analytics:dashboard", kwargs={"org_slug": org.slug})
    return f"{url}?team={goal.team.slug}" if goal.scope == GoalScope.TEAM else url


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_text(*, stream: ValueStream, today: date, tz: ZoneInfo, by_group: dict) -> str:
    """The digest of one value stream: each metric's last 7 days against the 7 before, the
    goals missed and the open incidents."""
    current = dora_report(query=_last_days(DIGEST_DAYS, today=today, tz=tz, value_streams=(stream.pk,)))
    previous = dora_report(query=_last_days(DIGEST_DAYS, today=today - timedelta(days=DIGEST_DAYS), tz=tz,
                                            value_streams=(stream.pk,)))
    lines = [f"The last {DIGEST_DAYS} days against the {DIGEST_DAYS} before:"]
    rows = tiles(current, previous)
    progress.attach(rows, goals_for(by_group, (GoalScope.VALUE_STREAM, stream.pk)))
    for tile in rows:
        unit, change = tile["metric"].unit, tile["trend"]
        moved = "no trend" if change is None else (
            "steady" if change["direction"] == "steady" else
            f"{change['direction']} from {written(change['previous'], unit)} "
            f"({'better' if change['good'] else 'worse'})")
        lines.append(f"- {tile['metric'].label}: {written(tile['value'], unit)}, {moved}")
    missed = [tile for tile in rows if tile.get("met") is False]
    lines.append("")
    lines.append("Goals missed:" if missed else "Goals missed: none.")
    lines += [f"- {t['metric'].label}: {written(t['value'], t['metric'].unit)}, the goal is "
              f"{t['goal'].get_comparison_display()} {written(t['goal'].target, t['metric'].unit)}" for t in missed]
    incidents = open_incident_list(value_stream=stream)
    lines.append("")
    lines.append("Open incidents:" if incidents else "Open incidents: none.")
    lines += [f"- {i.number} {i.title} ({severity_words(i.severity)}, {i.service.name if i.service else 'no service'},"
              f" open since {timezone.localtime(i.opened_at, tz):%Y-%m-%d %H:%M})" if i.opened_at else
              f"- {i.number} {i.title} ({severity_words(i.severity)})" for i in incidents]
    return "\n".join(lines)


def goals_queue_all(*, digest: bool) -> int:
    """Beat: queue, for every organization with goals (the crossing check) or with value streams
    (the digest), its own task. Returns how many were queued."""
    from analytics.goals import tasks  # here, not at the top: the tasks module imports the services
    model, task = (ValueStream, tasks.digest_send_task) if digest else (MetricGoal, tasks.goals_check_task)
    with cross_tenant(reason="goals: find the organizations to check or to send digests to"):
        org_ids = sorted(set(model.cross_tenant_objects.values_list("organization_id", flat=True)))
    for org_id in org_ids:
        enqueue(task, org_id=org_id)
    return len(org_ids)


def digest_send(*, now: datetime | None = None) -> int:
    """Queue this ISO week's digest of every value stream for each recipient who has not had
    it: the sent marker (unique per recipient, value stream and week) is written in the
    transaction that queues the notification, so running again the same week sends nothing.
    Returns the notifications queued."""
    org = _organization()
    tz = ZoneInfo(org.time_zone)
    today = timezone.localdate(now or timezone.now(), tz)
    local = timezone.localtime(now or timezone.now(), tz)
    if local.isoweekday() == 1 and local.hour < DIGEST_HOUR:
        return 0  # the week's digest goes out from Monday morning on (and catches up later in the week)
    week = iso_week(today)
    recipients = _recipients()
    by_group = goals_by_group(list(goal_list()))
    sent = 0
    for stream in ValueStream.objects.order_by("name", "pk"):
        due = [user for user in recipients
               if not DigestSent.objects.filter(subscriber=user, value_stream=stream, week=week).exists()]
        if not due:
            continue
        body = digest_text(stream=stream, today=today, tz=tz, by_group=by_group)
        with transaction.atomic():
            marked = []
            for user in due:
                try:
                    with transaction.atomic():  # a concurrent run that marked first wins
                        DigestSent.objects.create(subscriber=user, value_stream=stream, week=week)
                except IntegrityError:
                    continue
                marked.append(user)
            if marked:
                sent += len(notify(recipients=marked, kind=NotificationKind.WEEKLY_DIGEST,
                                   title=f"Weekly digest of {stream.name}, {week}", body=body,
                                   url=reverse("analytics:value_stream",
                                               kwargs={"org_slug": org.slug, "value_stream_slug": stream.slug})))
    return sent
