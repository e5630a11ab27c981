""""Change request not approved": the deployment check integrations adds (see
releases.services.deployment_checks). An environment marked change-controlled
(ChangeControlledEnvironment) takes a deployment only under an approved change request that
names the service (ChangeRequestService) or the deployment's release, whose planned window, where
it has one, covers the moment of the check."""

from __future__ import annotations

from django.db.models import Q

from integrations import normalized as n
from integrations.models import ChangeControlledEnvironment, ChangeRequest
from releases.selectors import register_fact
from releases.services import CheckContext, reason, register_check
from vsm.moments import moment_text

CHANGE_NOT_APPROVED = "change_not_approved"
# Read with the check's other facts, in its one statement.
CHANGE_CONTROLLED = f"""EXISTS (
    SELECT 1 FROM {ChangeControlledEnvironment._meta.db_table} controlled
    WHERE controlled.organization_id = %(org)s AND controlled.environment_id = e.id)"""
# A change that is over (closed) or called off (cancelled) authorizes nothing any more.
ENDED = (n.ChangeState.CLOSED.value, n.ChangeState.CANCELLED.value)


def _covers(change: ChangeRequest, ctx: CheckContext) -> bool:
    return ((change.planned_start is None or change.planned_start <= ctx.at)
            and (change.planned_end is None or ctx.at <= change.planned_end))


def change_reasons(ctx: CheckContext) -> list[dict]:
    env = ctx.environment
    if not ctx.facts.extra["change_controlled"]:
        return []
    covering = Q(change_services__service=ctx.service)
    if ctx.release is not None:
        covering |= Q(release=ctx.release)
    changes = list(ChangeRequest.objects.filter(covering).exclude(state__in=ENDED).distinct()[:20])
    usable = [c for c in changes if c.is_approved and _covers(c, ctx)]
    if usable:
        return []
    subject = f"{ctx.service.slug} {ctx.version}" + (f" ({ctx.release})" if ctx.release else "")
    facts = {"environment": env.slug, "change_requests": [
        {"id": c.pk, "number": c.number, "state": c.state, "approval": c.approval, "url": c.url} for c in changes]}
    if not changes:
        return [reason(CHANGE_NOT_APPROVED, f"{env.name} needs an approved change request; none open names "
                                            f"{subject}.", **facts)]
    upcoming = sorted((c for c in changes if c.is_approved and c.planned_start and c.planned_start > ctx.at),
                      key=lambda c: c.planned_start)
    if upcoming:
        first = upcoming[0]
        return [reason(CHANGE_NOT_APPROVED, f"{first.number} is approved for {moment_text(first.planned_start)} to "
                                            f"{moment_text(first.planned_end) if first.planned_end else 'open end'}, "
                                            f"not now.", until=first.planned_start, change=first.number, **facts)]
    latest = changes[0]
    state = "approved, but its window has passed" if latest.is_approved else (
        f"{latest.approval or 'not submitted for approval'} ({latest.state or 'no state'})")
    return [reason(CHANGE_NOT_APPROVED, f"{env.name} needs an approved change request; {latest.number} for "
                                        f"{subject} is {state}.", change=latest.number, **facts)]


def register() -> None:
    register_fact("change_controlled", CHANGE_CONTROLLED)
    register_check(change_reasons)
