from __future__ import annotations

from django.db.models import QuerySet

from vsm.accounts.models import User
from vsm.tenancy.context import cross_tenant
from vsm.tenancy.models import ApiToken, Invitation, Membership, Organization, secret_digest


def organization_get(*, slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()


def membership_get(*, user: User) -> Membership | None:
    """The user's membership in the current organization."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user).first()


def organizations_of(*, user: User) -> list[Organization]:
    """Every organization the user belongs to, for the org switcher and the home redirect."""
    if not user.is_authenticated:
        return []
    with cross_tenant(reason="organizations a user belongs to (org switcher)"):
        # One query on every page (the membership lookup is a subquery), evaluated in the context.
        memberships = Membership.cross_tenant_objects.filter(user=user).values("organization_id")
        return list(Organization.objects.filter(pk__in=memberships).order_by("name"))


def membership_list() -> QuerySet[Membership]:
    return Membership.objects.select_related("user").order_by("user__email")


def api_token_list() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("created_by").order_by("revoked_at", "-created_at")


def invitation_list(*, open_only: bool = False) -> QuerySet[Invitation]:
    """The current organization's invitations, newest first; `open_only`: neither accepted nor
    revoked (pending, or expired and waiting to be revoked or sent again)."""
    invitations = Invitation.objects.select_related("invited_by").order_by("-created_at", "-pk")
    if open_only:
        invitations = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return invitations


def invitation_by_secret(*, secret: str) -> Invitation | None:
    """The invitation a link's secret belongs to, in whichever organization: the person who
    follows the link is not a member yet, so no organization's context can be entered first."""
    with cross_tenant(reason="invitation link: find the invitation its secret belongs to"):
        return (Invitation.cross_tenant_objects.select_related("organization", "invited_by")
                .filter(digest=secret_digest(secret)).first())
