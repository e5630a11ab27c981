"""What every environments service shares: permission checks, the conflict answers, notifications."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse

from environments.models import Booking, DeploymentApprovalRequest, Environment
from vsm.accounts.models import User
from vsm.catalog.models import TeamMember
from vsm.errors import PermissionRefused
from vsm.notifications.services import notify as _deliver
from vsm.tenancy.actor import TOKEN_LABEL_PREFIX, Actor
from vsm.tenancy.context import current_org_id
from vsm.tenancy.models import Membership, Organization
from vsm.tenancy.roles import ROLE_PERMISSIONS, Perm


def require(actor: Actor, perm: Perm) -> None:
    if not actor.has(perm):
        raise PermissionRefused(f"Your role may not do this ({perm.value.replace('_', ' ')}).")


def lock_environments(environments: Iterable[Environment]) -> list[Environment]:
    """Lock the environments' rows, in id order so that two group bookings never deadlock. Every
    change that could make bookings overlap takes this lock first, so the capacity check and the
    insert that follows it are one step for concurrent requests."""
    ids = sorted({env.pk for env in environments})
    return list(Environment.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def made_by(actor: Actor, request: Booking | DeploymentApprovalRequest) -> bool:
    """Whether `actor` made `request`: the person, or the token (on requests from before the
    requesting token was kept, recognised by the label it left)."""
    if actor.user is not None:
        return request.requested_by_id == actor.user.pk
    if actor.token is None:
        return False
    if request.requested_by_token_id is not None:
        return request.requested_by_token_id == actor.token.pk
    return request.requested_by_id is None and request.requester_label == actor.label


def decision_refusal(*, actor: Actor, request: Booking | DeploymentApprovalRequest, what: str
                     ) -> PermissionRefused | None:
    """Why `actor` may not decide `request` (a "booking request", a "deployment request"), or None.
    Nobody decides a request they made; a token decides no request a token made unless
    TOKENS_MAY_DECIDE_TOKEN_REQUESTS."""
    if made_by(actor, request):
        if actor.user is not None:
            return PermissionRefused(f"You cannot decide your own {what}; another approver must.")
        return PermissionRefused(f"Token '{actor.token.name}' made this {what}, so it cannot decide it; "
                                 "another approver must.")
    by_token = request.requested_by_token_id is not None or (
        request.requested_by_id is None and request.requester_label.startswith(TOKEN_LABEL_PREFIX))
    if actor.token is not None and by_token and not settings.TOKENS_MAY_DECIDE_TOKEN_REQUESTS:
        return PermissionRefused(f"This {what} was made by a token ({request.requester_label}) and tokens do not "
                                 "decide tokens' requests here (TOKENS_MAY_DECIDE_TOKEN_REQUESTS is off): a person "
                                 "must.")
    return None


def approvers_of(environment: Environment) -> list[User]:
    """Who is asked to decide: the managers of the owning team, or, for environments no team
    owns, the members whose role approves bookings."""
    if environment.owning_team_id is not None:
        managers = list(User.objects.filter(team_memberships__team_id=environment.owning_team_id,
                                            team_memberships__is_manager=True).distinct())
        if managers:
            return managers
    roles = [role for role, perms in ROLE_PERMISSIONS.items() if Perm.APPROVE_BOOKINGS in perms]
    return list(User.objects.filter(pk__in=Membership.objects.filter(role__in=roles).values("user_id")))


def is_team_member(user: User | None, team_id: int | None) -> bool:
    return user is not None and team_id is not None and TeamMember.objects.filter(user=user, team_id=team_id).exists()


def notify(*, actor: Actor, recipients: list[User | None], kind: str, title: str, body: str = "", url: str = "",
           moments: dict[str, datetime] | None = None) -> None:
    recipients = [user for user in recipients if user is not None]
    if recipients:
        _deliver(recipients=recipients, kind=kind, title=title, body=body, url=url, actor=actor, moments=moments)


def org_path(name: str, **kwargs) -> str:
    """A page path of the current organization, for notification links."""
    slug = Organization.objects.filter(pk=current_org_id()).values_list("slug", flat=True).first()
    return reverse(name, kwargs={"org_slug": slug, **kwargs})


def label(model: type[models.Model]) -> str:
    return model._meta.model_name
