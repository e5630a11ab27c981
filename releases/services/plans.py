"""Deployment plans (runbooks): the ordered activities of a release. Manual ones are done by a
person; automated ones are completed by CI through the API."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from releases.models import ActivityKind, ActivityStatus, DeploymentActivity, Release
from releases.services._common import UNSET, require, require_member, require_text
from vsm.accounts.models import User
from vsm.audit.services import audit_record, snapshot
from vsm.entities import delete_entity
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm


def _check(kind: str, planned_at: datetime | None, owner: User | None) -> None:
    if kind not in ActivityKind.values:
        raise InvalidInput.field("kind", f"Choose one of {', '.join(ActivityKind.values)}.")
    if planned_at is not None and (planned_at.tzinfo is None or planned_at.utcoffset() is None):
        raise InvalidInput.field("planned_at", "Give the time with its UTC offset.")
    require_member("owner", owner)


def activity_add(*, actor: Actor, release: Release, title: str, kind: str = ActivityKind.MANUAL,
                 owner: User | None = None, planned_at: datetime | None = None) -> DeploymentActivity:
    require(actor, Perm.MANAGE_RELEASES)
    title = require_text("title", title, max_length=200)
    _check(kind, planned_at, owner)
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        last = DeploymentActivity.objects.filter(release=release).aggregate(last=Max("order"))["last"] or 0
        activity = DeploymentActivity.objects.create(release=release, order=last + 1, title=title, kind=kind,
                                                     owner=owner, planned_at=planned_at)
        audit_record(actor=actor, action="deploymentactivity.created", instance=activity, after=snapshot(activity),
                     object_repr=f"{title} ({release})")
    return activity


def activity_update(*, actor: Actor, activity: DeploymentActivity, title=UNSET, kind=UNSET, owner=UNSET,
                    planned_at=UNSET) -> DeploymentActivity:
    require(actor, Perm.MANAGE_RELEASES)
    with transaction.atomic():
        activity = DeploymentActivity.objects.select_for_update().get(pk=activity.pk)
        before = snapshot(activity)
        if title is not UNSET:
            activity.title = require_text("title", title, max_length=200)
        for field, value in (("kind", kind), ("owner", owner), ("planned_at", planned_at)):
            if value is not UNSET:
                setattr(activity, field, value)
        _check(activity.kind, activity.planned_at, activity.owner)
        activity.save()
        if snapshot(activity) != before:
            audit_record(actor=actor, action="deploymentactivity.updated", instance=activity, before=before,
                         after=snapshot(activity))
    return activity


def activity_remove(*, actor: Actor, activity: DeploymentActivity) -> None:
    require(actor, Perm.MANAGE_RELEASES)
    delete_entity(activity, actor=actor)


def _completion_refusal(actor: Actor, activity: DeploymentActivity) -> PermissionRefused | None:
    if activity.kind == ActivityKind.AUTOMATED:
        if not actor.has(Perm.RECORD_DELIVERY):
            return PermissionRefused("Automated activities are completed by CI (a token that records deliveries).")
        return None
    if actor.user is None:
        return PermissionRefused(f"'{activity.title}' is manual: a person completes it, not a token.")
    if activity.owner_id != actor.user.pk and not actor.has(Perm.MANAGE_RELEASES):
        return PermissionRefused(f"'{activity.title}' is done by its owner or a release manager.")
    return None


def activity_complete(*, actor: Actor, activity: DeploymentActivity, status: str = ActivityStatus.DONE,
                      evidence_url: str = "", note: str = "") -> DeploymentActivity:
    """Mark an activity done (or skipped). Completing it again with the same outcome changes
    nothing, so a CI job may safely retry."""
    if status not in (ActivityStatus.DONE, ActivityStatus.SKIPPED):
        raise InvalidInput.field("status", "Choose done or skipped.")
    if evidence_url:
        try:
            URLValidator(schemes=["http", "https"])(evidence_url)
        except ValidationError:
            raise InvalidInput.field("evidence_url", "Give an http(s) URL.") from None
    if len(note or "") > 500:
        raise InvalidInput.field("note", "Keep the note to 500 characters.")
    refusal = _completion_refusal(actor, activity)
    if refusal is not None:
        raise refusal
    with transaction.atomic():
        activity = DeploymentActivity.objects.select_for_update().select_related("release").get(pk=activity.pk)
        if activity.status == status:
            return activity
        if activity.status != ActivityStatus.PENDING:
            raise Conflict(f"'{activity.title}' is already {activity.status}.", fields={"status": [activity.status]},
                           conflicts_with=[f"activity:{activity.pk}"])
        if activity.release.is_closed:
            raise Conflict(f"{activity.release} is {activity.release.get_status_display().lower()}.",
                           conflicts_with=[f"release:{activity.release_id}"])
        before = snapshot(activity)
        activity.status, activity.completed_at = status, timezone.now()
        activity.completed_by_label, activity.evidence_url, activity.note = actor.label[:254], evidence_url, note or ""
        activity.save()
        audit_record(actor=actor, action=f"deploymentactivity.{status}", instance=activity, before=before,
                     after=snapshot(activity))
    return activity
