"""Requests that wait for a manager: deployment approvals and provisioning requests."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from environments.models import Decision, DeploymentApprovalRequest, Environment, ProvisioningRequest, Tier
from environments.selectors import can_approve
from environments.services._common import approvers_of, decision_refusal, notify, org_path, require
from vsm.audit.services import audit_record, snapshot
from vsm.catalog.models import Service, Team
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.notifications.models import NotificationKind
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm


def deployment_approval_request(*, actor: Actor, environment: Environment, service_slug: str, version: str,
                                note: str = "") -> tuple[DeploymentApprovalRequest, bool]:
    """Ask the environment's managers to approve deploying `version` of a service. Asking again
    for the same version while a request waits returns that request (CI retries are safe).
    Returns the request and whether it was created."""
    require(actor, Perm.BOOK_ENVIRONMENTS)
    version = (version or "").strip()
    if not version:
        raise InvalidInput.field("version", "Name the version to deploy.")
    service = Service.objects.filter(slug=service_slug).first()
    if service is None:
        raise InvalidInput.field("service", f"No service '{service_slug}' in the catalog.")
    with transaction.atomic():
        waiting = DeploymentApprovalRequest.objects.select_for_update().filter(
            environment=environment, service_slug=service.slug, version=version, status=Decision.REQUESTED).first()
        if waiting is not None:
            return waiting, False
        approval = DeploymentApprovalRequest.objects.create(
            environment=environment, service=service, service_slug=service.slug, version=version[:120],
            requested_by=actor.user, requested_by_token=actor.token, requester_label=actor.label[:254],
            note=(note or "").strip()[:500])
        audit_record(actor=actor, action="deploymentapproval.requested", instance=approval,
                     after=snapshot(approval))
        notify(actor=actor, recipients=[u for u in approvers_of(environment) if u != actor.user],
               kind=NotificationKind.APPROVAL_NEEDED,
               title=f"Deployment of {service.slug} {version} to {environment.name} awaits approval",
               body=f"{actor.label} asks to deploy {service.slug} {version} to {environment.name}.",
               url=org_path("environments:approvals"))
    return approval, True


def deployment_approval_decide(*, actor: Actor, approval: DeploymentApprovalRequest, approve: bool,
                               note: str = "") -> DeploymentApprovalRequest:
    with transaction.atomic():
        approval = DeploymentApprovalRequest.objects.select_for_update(of=("self",)).select_related("environment").get(
            pk=approval.pk)
        if not can_approve(actor=actor, environment=approval.environment):
            raise PermissionRefused("Only the environment's managers and approvers decide its deployments.")
        refusal = decision_refusal(actor=actor, request=approval, what="deployment request")
        if refusal is not None:
            raise refusal
        if approval.status != Decision.REQUESTED:
            raise Conflict(f"This request is already {approval.get_status_display().lower()}.",
                           fields={"status": [approval.status]})
        before = snapshot(approval)
        approval.status = Decision.APPROVED if approve else Decision.REJECTED
        approval.decided_by, approval.decided_by_token, approval.decided_at = actor.user, actor.token, timezone.now()
        approval.note = (note or "").strip()[:500] or approval.note
        approval.save()
        verdict = approval.get_status_display().lower()
        audit_record(actor=actor, action=f"deploymentapproval.{approval.status}", instance=approval, before=before,
                     after=snapshot(approval), message=note[:500])
        notify(actor=actor, recipients=[approval.requested_by], kind=NotificationKind.DECISION_MADE,
               title=f"Deployment of {approval.service_slug} {approval.version} to {approval.environment.name} "
                     f"{verdict}",
               body=f"{actor.label}: {note}" if note else f"{actor.label} decided.",
               url=org_path("environments:approvals"))
    return approval


# Which step may follow which, and the field that keeps the time of each step.
_Step = ProvisioningRequest.Status
_NEXT = {_Step.REQUESTED: {_Step.PROVISIONING, _Step.DECLINED}, _Step.PROVISIONING: {_Step.READY, _Step.DECLINED}}
_STAMP = {_Step.PROVISIONING: "provisioning_at", _Step.READY: "ready_at", _Step.DECLINED: "declined_at"}


def provisioning_request_create(*, actor: Actor, team: Team, tier: str, purpose: str, needed_by: date
                                ) -> ProvisioningRequest:
    require(actor, Perm.BOOK_ENVIRONMENTS)
    if tier not in Tier.values:
        raise InvalidInput.field("tier", f"Choose one of {', '.join(Tier.values)}.")
    if not (purpose or "").strip():
        raise InvalidInput.field("purpose", "Say what the environment is for.")
    if needed_by < timezone.localdate():
        raise InvalidInput.field("needed_by", "The date is in the past.")
    with transaction.atomic():
        request = ProvisioningRequest.objects.create(
            team=team, tier=tier, purpose=purpose.strip()[:500], needed_by=needed_by, requested_by=actor.user,
            requester_label=actor.label[:254])
        audit_record(actor=actor, action="provisioningrequest.created", instance=request, after=snapshot(request))
    return request


def provisioning_request_advance(*, actor: Actor, request: ProvisioningRequest, status: str, note: str = "",
                                 environment: Environment | None = None) -> ProvisioningRequest:
    """Move a request one step: requested → provisioning → ready, or declined from either."""
    require(actor, Perm.MANAGE_ENVIRONMENTS)
    with transaction.atomic():
        request = ProvisioningRequest.objects.select_for_update().get(pk=request.pk)
        if status not in _STAMP:
            raise InvalidInput.field("status", f"Choose one of {', '.join(_STAMP)}.")
        if status not in _NEXT.get(request.status, set()):
            raise Conflict(f"A {request.get_status_display().lower()} request cannot become {status}.",
                           fields={"status": [f"not after {request.status}"]})
        before = snapshot(request)
        request.status = status
        setattr(request, _STAMP[status], timezone.now())
        request.note = (note or "").strip()[:500] or request.note
        if environment is not None:
            request.environment = environment
        request.save()
        audit_record(actor=actor, action=f"provisioningrequest.{status}", instance=request, before=before,
                     after=snapshot(request), message=request.note)
        notify(actor=actor, recipients=[request.requested_by], kind=NotificationKind.DECISION_MADE,
               title=f"Your {request.get_tier_display()} environment request is {request.get_status_display().lower()}",
               body=request.note, url=org_path("environments:provisioning"))
    return request
