from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from vsm.accounts.models import User
from vsm.accounts.services import user_create
from vsm.audit.services import audit_record, snapshot
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import ApiToken, Invitation, Membership, Organization, secret_digest
from vsm.tenancy.roles import Perm, Role

logger = logging.getLogger(__name__)

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


def invitation_create(*, email: str, role: str, actor: Actor) -> Invitation:
    """Invite a person by email: nobody becomes a member, and no account is created, until they
    accept through the link emailed to that address. The answer is the same whether or not the
    address has an account, so nothing about people outside the organization is revealed."""
    _require(actor, Perm.MANAGE_MEMBERS)
    _check_role_grant(actor, role)
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput.field("email", f"'{email}' is not an email address.") from exc
    if Membership.objects.filter(user__email__iexact=email).exists():
        raise Conflict(f"{email} is already a member.", fields={"email": ["already a member"]}, conflicts_with=[email])
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        previous = Invitation.objects.select_for_update().filter(
            email=email, accepted_at__isnull=True, revoked_at__isnull=True).first()
        if previous is not None and previous.status == Invitation.Status.INVITED:
            message = (f"{email} already has a pending invitation (invitation {previous.pk}, until "
                       f"{previous.expires_at:%Y-%m-%d %H:%M} UTC); revoke it to invite them again.")
            raise Conflict(message, fields={"email": [message]}, conflicts_with=[f"invitation {previous.pk}"])
        if previous is not None:  # expired: the new invitation replaces it
            _invitation_close(previous, actor=actor)
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    email=email, role=role, digest=secret_digest(secret), invited_by=actor.user, created_at=now,
                    expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS))
        except IntegrityError as exc:  # invited at the same moment by someone else
            raise Conflict(f"{email} already has a pending invitation.", fields={"email": ["already invited"]},
                           conflicts_with=[email]) from exc
        audit_record(actor=actor, action="invitation.created", instance=invitation, after=snapshot(invitation))
    _invitation_send(invitation, secret=secret, actor=actor)
    return invitation


def _invitation_send(invitation: Invitation, *, secret: str, actor: Actor) -> None:
    """Sent within the request that made the secret, never through a task: the secret would
    otherwise travel through the broker. A failure is recorded on the invitation and shown."""
    context = {
        "organization": invitation.organization, "invitation": invitation,
        "inviter": actor.user.display_name if actor.user else "",
        "link": settings.SITE_URL.rstrip("/") + reverse("invitations:accept", kwargs={"secret": secret}),
    }
    subject = " ".join(render_to_string("tenancy/invitation_subject.txt", context).split())
    try:
        send_mail(subject, render_to_string("tenancy/invitation_email.txt", context),
                  settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except OSError as error:  # smtplib's errors are OSErrors, as are refused connections
        invitation.email_error = f"{type(error).__name__}: {error}"[:300]
        Invitation.objects.filter(pk=invitation.pk).update(email_error=invitation.email_error)
        logger.warning("invitation email failed", extra={"invitation_id": invitation.pk,
                                                         "error": invitation.email_error})


def _invitation_close(invitation: Invitation, *, actor: Actor) -> None:
    before = snapshot(invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="invitation.revoked", instance=invitation, before=before,
                 after=snapshot(invitation))


def invitation_revoke(*, invitation: Invitation, actor: Actor) -> Invitation:
    """The link stops working. Revoking twice is harmless; an accepted invitation cannot be
    revoked (remove the member instead)."""
    _require(actor, Perm.MANAGE_MEMBERS)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise Conflict(f"The invitation of {invitation.email} was accepted; remove the member instead.",
                           conflicts_with=[f"invitation {invitation.pk}"])
        if invitation.revoked_at is None:
            _invitation_close(invitation, actor=actor)
    return invitation


def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """`user` joins with the invitation's role, if it is still open and was sent to their
    address. Runs in the invitation's organization; the new member is the actor."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.status != Invitation.Status.INVITED:
            raise Conflict(f"This invitation is {invitation.get_status_display().lower()}.",
                           conflicts_with=[f"invitation {invitation.pk}"])
        if user.email.lower() != invitation.email:
            raise PermissionRefused(f"This invitation was sent to {invitation.email}, not to {user.email}.")
        actor = Actor(role=invitation.role, user=user)
        before = snapshot(invitation)
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit_record(actor=actor, action="invitation.accepted", instance=invitation, before=before,
                     after=snapshot(invitation))
        return _membership_create(user=user, role=invitation.role, actor=actor)


def invitation_accept_new_account(*, invitation: Invitation, full_name: str, password: str) -> Membership:
    """The invited address has no account: create it with the name and password its owner chose,
    and accept; both or neither."""
    with transaction.atomic():
        user = user_create(email=invitation.email, full_name=full_name, password=password)
        return invitation_accept(invitation=invitation, user=user)


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
            name=name.strip(), role=role, prefix=secret[: len(TOKEN_PREFIX) + 6], digest=secret_digest(secret),
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
    token = ApiToken.objects.filter(digest=secret_digest(secret)).first()
    if token is None or not token.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
