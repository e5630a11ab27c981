from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from vsm.accounts.models import User
from vsm.audit.services import audit_record, snapshot
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import ApiToken, Membership, Organization
from vsm.tenancy.roles import Perm, Role

TOKEN_PREFIX = "slc_"


def organization_create(*, name: str, slug: str, time_zone: str = "UTC", owner: User | None,
                        actor: Actor) -> Organization:
    if Organization.objects.filter(slug=slug).exists():
        raise Conflict(f"An organization with slug '{slug}' already exists.", fields={"slug": ["taken"]})
    with transaction.atomic():
        org = Organization(name=name, slug=slug, time_zone=time_zone)
        org.full_clean()
        org.save()
        with tenant_context(org):
            audit_record(actor=actor, action="organization.created", instance=org, after=snapshot(org))
            if owner is not None:
                _membership_create(user=owner, role=Role.OWNER, actor=actor)
    return org


def organization_update(*, organization: Organization, actor: Actor, **changes) -> Organization:
    _require(actor, Perm.MANAGE_ORGANIZATION)
    before = snapshot(organization)
    for field in ("name", "time_zone"):
        if field in changes:
            setattr(organization, field, changes[field])
    organization.full_clean()
    with transaction.atomic():
        organization.save()
        audit_record(actor=actor, action="organization.updated", instance=organization,
                     before=before, after=snapshot(organization))
    return organization


def _require(actor: Actor, perm: Perm) -> None:
    if not actor.has(perm):
        raise PermissionRefused(f"Your role may not do this ({perm.value.replace('_', ' ')}).")


def _membership_create(*, user: User, role: str, actor: Actor) -> Membership:
    try:
        with transaction.atomic():
            membership = Membership.objects.create(user=user, role=role)
    except IntegrityError as exc:
        raise Conflict(f"{user.email} is already a member.", fields={"email": ["already a member"]}) from exc
    audit_record(actor=actor, action="membership.created", instance=membership, after=snapshot(membership))
    return membership


def membership_add(*, email: str, role: str, actor: Actor, full_name: str = "") -> Membership:
    """Add a person by email; an unknown email gets an account without a usable password
    (they set one through the password reset link)."""
    _require(actor, Perm.MANAGE_MEMBERS)
    _check_role_grant(actor, role)
    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None, full_name=full_name)
        return _membership_create(user=user, role=role, actor=actor)


def _check_role_grant(actor: Actor, role: str) -> None:
    if role not in Role.values:
        raise InvalidInput.field("role", f"'{role}' is not a role; choose one of {', '.join(Role.values)}.")
    if role == Role.OWNER and actor.role != Role.OWNER:
        raise PermissionRefused("Only an owner can make someone an owner.")


def _ensure_an_owner_remains(membership: Membership) -> None:
    others = Membership.objects.filter(role=Role.OWNER).exclude(pk=membership.pk)
    if membership.role == Role.OWNER and not others.exists():
        raise Conflict("An organization needs at least one owner.", conflicts_with=[membership.user.email])


def membership_change_role(*, membership: Membership, role: str, actor: Actor) -> Membership:
    _require(actor, Perm.MANAGE_MEMBERS)
    _check_role_grant(actor, role)
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise PermissionRefused("Only an owner can change an owner's role.")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if role != Role.OWNER:
            _ensure_an_owner_remains(membership)
        before = snapshot(membership)
        membership.role = role
        membership.save(update_fields=["role"])
        audit_record(actor=actor, action="membership.role_changed", instance=membership,
                     before=before, after=snapshot(membership))
    return membership


def membership_remove(*, membership: Membership, actor: Actor) -> None:
    _require(actor, Perm.MANAGE_MEMBERS)
    if membership.role == Role.OWNER and actor.role != Role.OWNER:
        raise PermissionRefused("Only an owner can remove an owner.")
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        _ensure_an_owner_remains(membership)
        before = snapshot(membership)
        audit_record(actor=actor, action="membership.removed", instance=membership, before=before)
        membership.delete()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_token_create(*, name: str, role: str, expires_at: datetime | None, actor: Actor) -> tuple[ApiToken, str]:
    """Returns the token and its secret; the secret is never stored nor shown again."""
    _require(actor, Perm.MANAGE_TOKENS)
    _check_role_grant(actor, role)
    if not name.strip():
        raise InvalidInput.field("name", "A token needs a name.")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput.field("expires_at", "The expiry must be in the future.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name.strip(), role=role, prefix=secret[: len(TOKEN_PREFIX) + 6], digest=_digest(secret),
            expires_at=expires_at, created_by=actor.user,
        )
        audit_record(actor=actor, action="api_token.created", instance=token, after=snapshot(token))
    return token, secret


def api_token_revoke(*, token: ApiToken, actor: Actor) -> ApiToken:
    _require(actor, Perm.MANAGE_TOKENS)
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        before = snapshot(token)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoked", instance=token, before=before, after=snapshot(token))
    return token


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The current organization's active token with this secret, or None. Records last use at
    most once a minute, so a busy CI job does not turn every read into a write."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.filter(digest=_digest(secret)).first()
    if token is None or not token.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
