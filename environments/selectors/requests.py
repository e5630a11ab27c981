"""Reads of outages, deployment approvals, provisioning requests and the approval queue."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from environments.models import Booking, Decision, DeploymentApprovalRequest, Outage, ProvisioningRequest
from environments.selectors.bookings import booking_list
from environments.selectors.inventory import managed_team_ids
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm


def outage_list() -> QuerySet[Outage]:
    """In period order; filtered by environments.filters.OutageFilter."""
    return Outage.objects.select_related("environment", "created_by").order_by("period", "id")


def deployment_approval_list() -> QuerySet[DeploymentApprovalRequest]:
    """Newest first; filtered by environments.filters.DeploymentApprovalFilter."""
    return DeploymentApprovalRequest.objects.select_related(
        "environment", "requested_by", "decided_by", "decided_by_token", "service").order_by("-requested_at", "-id")


def _decidable(actor: Actor) -> Q:
    """Environments whose requests this actor may decide: all with the approver permission,
    otherwise those owned by a team the person manages."""
    if actor.has(Perm.APPROVE_BOOKINGS) or actor.has(Perm.MANAGE_ENVIRONMENTS):
        return Q()
    return Q(environment__owning_team_id__in=managed_team_ids(user=actor.user))


def approval_queue(*, actor: Actor) -> tuple[QuerySet[Booking], QuerySet[DeploymentApprovalRequest]]:
    """Bookings and deployments awaiting this actor's decision (never their own requests)."""
    scope = _decidable(actor)
    bookings = booking_list().filter(scope, status=Booking.Status.REQUESTED)
    deployments = deployment_approval_list().filter(scope, status=Decision.REQUESTED)
    if actor.user is not None:
        bookings = bookings.exclude(requested_by=actor.user)
        deployments = deployments.exclude(requested_by=actor.user)
    return bookings, deployments


def provisioning_request_list() -> QuerySet[ProvisioningRequest]:
    """Newest first; filtered by environments.filters.ProvisioningRequestFilter."""
    return ProvisioningRequest.objects.select_related("team", "requested_by", "environment").order_by(
        "-requested_at", "-id")
