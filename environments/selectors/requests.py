"""Reads of outages, deployment approvals, provisioning requests and the approval queue."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from environments.models import Booking, Decision, DeploymentApprovalRequest, Outage, ProvisioningRequest
from environments.selectors.bookings import booking_list
from environments.selectors.inventory import managed_team_ids
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm


def outage_list(*, environment: str | None = None, start: datetime | None = None, end: datetime | None = None
                ) -> QuerySet[Outage]:
    qs = Outage.objects.select_related("environment", "created_by").order_by("period", "id")
    if environment:
        qs = qs.filter(environment__slug=environment)
    if start:
        qs = qs.filter(period__endswith__gt=start)
    if end:
        qs = qs.filter(period__startswith__lt=end)
    return qs


def deployment_approval_list(*, environment: str | None = None, status: str | None = None
                             ) -> QuerySet[DeploymentApprovalRequest]:
    qs = DeploymentApprovalRequest.objects.select_related(
        "environment", "requested_by", "decided_by", "decided_by_token", "service")
    if environment:
        qs = qs.filter(environment__slug=environment)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_at", "-id")


def _decidable(actor: Actor) -> Q:
    """Environments whose requests this actor may decide: all with the approver permission,
    otherwise those owned by a team the person manages."""
    if actor.has(Perm.APPROVE_BOOKINGS) or actor.has(Perm.MANAGE_ENVIRONMENTS):
        return Q()
    return Q(environment__owning_team_id__in=managed_team_ids(user=actor.user))


def approval_queue(*, actor: Actor) -> tuple[QuerySet[Booking], QuerySet[DeploymentApprovalRequest]]:
    """Bookings and deployments awaiting this actor's decision (never their own requests)."""
    scope = _decidable(actor)
    bookings = booking_list(status=Booking.Status.REQUESTED).filter(scope)
    deployments = deployment_approval_list(status=Decision.REQUESTED).filter(scope)
    if actor.user is not None:
        bookings = bookings.exclude(requested_by=actor.user)
        deployments = deployments.exclude(requested_by=actor.user)
    return bookings, deployments


def provisioning_request_list(*, status: str | None = None, team: str | None = None
                              ) -> QuerySet[ProvisioningRequest]:
    qs = ProvisioningRequest.objects.select_related("team", "requested_by", "environment")
    if status:
        qs = qs.filter(status=status)
    if team:
        qs = qs.filter(team__slug=team)
    return qs.order_by("-requested_at", "-id")
