from __future__ import annotations

from django.db.models import QuerySet

from vsm.accounts.models import User
from vsm.tenancy.context import cross_tenant
from vsm.tenancy.models import ApiToken, Membership, Organization


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
