"""Notifications: `notify()` for every feature's events, their delivery by email and to chat
webhooks, the reader's inbox state, and the organization's chat webhooks.

`notify()` and `notification_mark_read()` write no audit event: a notification is a consequence
of an event that its own service has audited, and read marks are one person's inbox state. The
chat webhooks are organization settings, so their changes are audited (without the URL).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from vsm import outbound
from vsm.accounts.models import User
from vsm.audit.services import audit_record, snapshot
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.moments import moments_stored, with_moments, zone_for
from vsm.notifications import chat
from vsm.notifications.models import ChatDelivery, ChatWebhook, Notification, NotificationKind, new_event_key
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import cross_tenant, require_org_id
from vsm.tenancy.models import Membership, Organization
from vsm.tenancy.roles import Perm
from vsm.tenancy.tasks import enqueue

logger = logging.getLogger(__name__)

_UNSET = object()
_WEBHOOK_URL = URLValidator(schemes=["http", "https"])
CATCH_UP_AFTER = timedelta(minutes=5)
CATCH_UP_WITHIN = timedelta(days=1)


def _one_line(text: str) -> str:
    # Titles become email subjects, where a line break is refused as header injection.
    return " ".join(text.split())


def notify(*, recipients: list[User], kind: str, title: str, body: str = "", url: str = "",
           actor: Actor | None = None, moments: dict[str, datetime] | None = None) -> list[Notification]:
    """Tell `recipients` (members of the current organization) about an event; email and chat
    delivery are queued for after the surrounding transaction commits. A time in the title or
    body is written `{name}` with the datetime in `moments`: each reader sees it in their zone."""
    from vsm.notifications import tasks  # here, not at the top: the tasks module imports the services
    if kind not in NotificationKind.values:
        raise InvalidInput.field("kind", f"'{kind}' is not a notification kind.")
    title = _one_line(title)
    if not title:
        raise InvalidInput.field("title", "A notification needs a title.")
    if url and (not url.startswith("/") or url.startswith("//")):
        raise InvalidInput.field("url", "A notification links to a path in Sluice, such as /o/acme/...")
    people = list({user.pk: user for user in recipients}.values())
    member_ids = set(Membership.objects.filter(user_id__in=[user.pk for user in people])
                     .values_list("user_id", flat=True))
    for user in people:
        if user.pk not in member_ids:
            logger.info("notification recipient skipped: not a member of the organization",
                        extra={"user_id": user.pk, "kind": kind})
    org_id = require_org_id()
    event_key = new_event_key()
    with transaction.atomic():
        notifications = Notification.objects.bulk_create([
            Notification(organization_id=org_id, recipient=user, kind=kind, title=title[:200], body=body, url=url,
                         event_key=event_key, actor_label=actor.label[:254] if actor else "",
                         moments=moments_stored(moments or {}))
            for user in people if user.pk in member_ids
        ])
        for notification in notifications:
            enqueue(tasks.deliver_notification, org_id=org_id, notification_id=notification.pk)
    return notifications


def notification_mark_read(*, user: User, notification_ids: Iterable[int] = (), all: bool = False) -> int:
    """Mark the user's own notifications read (those listed, or all); returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if not all:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


# --- Delivery --------------------------------------------------------------------------------

def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def notification_deliver(*, notification_id: int) -> None:
    """Email the recipient and post the event to the organization's chat webhooks. Safe to run
    again: neither the email nor a chat post is sent twice."""
    notification = (Notification.objects.select_related("recipient", "organization")
                    .filter(pk=notification_id).first())
    if notification is None:
        logger.info("notification to deliver no longer exists", extra={"notification_id": notification_id})
        return
    org = notification.organization
    link = _absolute(notification.url or reverse("notifications:list", kwargs={"org_slug": org.slug}))
    _email(notification, org=org, link=link)
    # A channel is read by the whole organization: its zone, named.
    title, body = (with_moments(text, notification.moments, zone=org.tzinfo, name_zone=True)
                   for text in (notification.title, notification.body))
    message = chat.ChatMessage(title=title, body=body, link=link)
    for webhook in ChatWebhook.objects.filter(is_active=True):
        if webhook.wants(notification.kind):
            _chat_deliver(webhook=webhook, event_key=notification.event_key, message=message)


def _email(notification: Notification, *, org: Organization, link: str) -> None:
    with transaction.atomic():
        # The row lock is held while sending, so a second run of the task skips rather than
        # sending again, and the result is recorded in the same transaction.
        pending = (Notification.objects.select_for_update(skip_locked=True)
                   .filter(pk=notification.pk, emailed_at__isnull=True, email_error="").exists())
        if not pending:
            return
        zone = zone_for(user=notification.recipient, organization=org)
        title, body = (with_moments(text, notification.moments, zone=zone, name_zone=True)
                       for text in (notification.title, notification.body))
        text = "\n\n".join(part for part in (
            title, body, f"Open in Sluice: {link}",
            f"You get this as a member of {org.name}. Your notifications: "
            + _absolute(reverse("notifications:list", kwargs={"org_slug": org.slug})),
        ) if part)
        try:
            send_mail(_one_line(f"[{org.name}] {title}"), text, settings.DEFAULT_FROM_EMAIL,
                      [notification.recipient.email])
        except OSError as error:  # smtplib's errors are OSErrors, as are refused connections
            notification.email_error = f"{type(error).__name__}: {error}"[:300]
            logger.warning("notification email failed",
                           extra={"notification_id": notification.pk, "error": notification.email_error})
        else:
            notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at", "email_error"])


def _chat_deliver(*, webhook: ChatWebhook, event_key: str, message: chat.ChatMessage) -> None:
    ChatDelivery.objects.get_or_create(webhook=webhook, event_key=event_key)
    with transaction.atomic():
        # Locked while posting: another recipient's task for the same event, or a second run,
        # skips it instead of posting the event again.
        delivery = (ChatDelivery.objects.select_for_update(skip_locked=True)
                    .filter(webhook=webhook, event_key=event_key, attempts=0).first())
        if delivery is None:
            return
        result = _post(webhook, message)
        delivery.attempts = result.attempts
        delivery.error = result.error
        delivery.delivered_at = timezone.now() if result.ok else None
        delivery.save(update_fields=["attempts", "error", "delivered_at"])
        _record_outcome(webhook, result)


def _post(webhook: ChatWebhook, message: chat.ChatMessage, *, max_attempts: int | None = None) -> chat.PostResult:
    try:
        url = webhook.url
    except ImproperlyConfigured:
        return chat.PostResult(attempts=0, error="The stored URL cannot be decrypted with the current "
                                                 "FIELD_ENCRYPTION_KEYS: add the webhook again.")
    return chat.post(url=url, flavor=webhook.flavor, message=message, max_attempts=max_attempts)


def _record_outcome(webhook: ChatWebhook, result: chat.PostResult) -> None:
    now = timezone.now()
    if result.ok:
        ChatWebhook.objects.filter(pk=webhook.pk).update(last_delivery_at=now, last_error="", last_error_at=None)
        return
    ChatWebhook.objects.filter(pk=webhook.pk).update(last_error=result.error, last_error_at=now)
    logger.warning("chat webhook post failed", extra={"webhook_id": webhook.pk, "error": result.error})


def notification_redeliver_pending() -> int:
    """Queue delivery again for notifications never emailed: the broker was down when they were
    created, or a worker was lost. Runs periodically, across organizations."""
    from vsm.notifications import tasks  # here, not at the top: the tasks module imports the services
    now = timezone.now()
    with cross_tenant(reason="notification catch-up: find notifications never delivered"):
        pending = list(Notification.cross_tenant_objects
                       .filter(emailed_at__isnull=True, email_error="",
                               created_at__lt=now - CATCH_UP_AFTER, created_at__gte=now - CATCH_UP_WITHIN)
                       .order_by("created_at").values_list("organization_id", "pk")[:1000])
    for org_id, notification_id in pending:
        enqueue(tasks.deliver_notification, org_id=org_id, notification_id=notification_id)
    return len(pending)


# --- Chat webhooks ---------------------------------------------------------------------------

def _require(actor: Actor) -> None:
    if not actor.has(Perm.MANAGE_ORGANIZATION):
        raise PermissionRefused("Your role may not manage chat notifications.")


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise InvalidInput.field("name", "A webhook needs a name.")
    if len(name) > 100:
        raise InvalidInput.field("name", "Use at most 100 characters.")
    return name


def _clean_flavor(flavor: str) -> str:
    if flavor not in ChatWebhook.Flavor.values:
        raise InvalidInput.field("flavor", f"Choose one of {', '.join(ChatWebhook.Flavor.values)}.")
    return flavor


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    try:
        _WEBHOOK_URL(url)
    except ValidationError as error:
        raise InvalidInput.field("url", "Enter the webhook's http:// or https:// URL.") from error
    if refusal := outbound.scheme_refusal(url):
        raise InvalidInput.field("url", refusal)
    return url


def _clean_kinds(kinds: Iterable[str]) -> list[str]:
    kinds = set(kinds)
    unknown = sorted(kinds - set(NotificationKind.values))
    if unknown:
        raise InvalidInput.field("kinds", f"Unknown notification kinds: {', '.join(unknown)}.")
    return [kind for kind in NotificationKind.values if kind in kinds]


def _save(webhook: ChatWebhook, *, actor: Actor, action: str, before: dict | None, message: str = "") -> ChatWebhook:
    try:
        with transaction.atomic():
            webhook.save()
            audit_record(actor=actor, action=f"chat_webhook.{action}", instance=webhook, before=before,
                         after=snapshot(webhook), message=message)
    except IntegrityError as exc:
        raise Conflict(f"A chat webhook named '{webhook.name}' already exists.",
                       fields={"name": ["already used by another webhook"]}, conflicts_with=[webhook.name]) from exc
    return webhook


def chat_webhook_create(*, actor: Actor, name: str, url: str, flavor: str = ChatWebhook.Flavor.SLACK,
                        kinds: Iterable[str] = (), is_active: bool = True) -> ChatWebhook:
    _require(actor)
    webhook = ChatWebhook(name=_clean_name(name), flavor=_clean_flavor(flavor), kinds=_clean_kinds(kinds),
                          is_active=is_active)
    webhook.url = _clean_url(url)
    return _save(webhook, actor=actor, action="created", before=None)


def chat_webhook_update(*, actor: Actor, webhook: ChatWebhook, name=_UNSET, url=_UNSET, flavor=_UNSET,
                        kinds=_UNSET, is_active=_UNSET) -> ChatWebhook:
    """Change what is given; a new `url` replaces the stored one (the audit says so, without it)."""
    _require(actor)
    before = snapshot(webhook)
    if name is not _UNSET:
        webhook.name = _clean_name(name)
    if flavor is not _UNSET:
        webhook.flavor = _clean_flavor(flavor)
    if kinds is not _UNSET:
        webhook.kinds = _clean_kinds(kinds)
    if is_active is not _UNSET:
        webhook.is_active = bool(is_active)
    if url is not _UNSET:
        webhook.url = _clean_url(url)
    return _save(webhook, actor=actor, action="updated", before=before,
                 message="URL replaced" if url is not _UNSET else "")


def chat_webhook_delete(*, actor: Actor, webhook: ChatWebhook) -> None:
    _require(actor)
    with transaction.atomic():
        audit_record(actor=actor, action="chat_webhook.deleted", instance=webhook, before=snapshot(webhook))
        webhook.delete()


def chat_webhook_send_test(*, actor: Actor, webhook: ChatWebhook) -> chat.PostResult:
    """Post a test message now, in one attempt, so the page can say at once whether it arrived."""
    _require(actor)
    org = Organization.objects.get(pk=webhook.organization_id)
    message = chat.ChatMessage(
        title="Test message from Sluice",
        body=f"{actor.label} checked that {org.name}'s notifications reach this channel.",
        link=_absolute(reverse("notifications:webhooks", kwargs={"org_slug": org.slug})),
    )
    result = _post(webhook, message, max_attempts=1)
    with transaction.atomic():
        _record_outcome(webhook, result)
        audit_record(actor=actor, action="chat_webhook.tested", instance=webhook,
                     message="delivered" if result.ok else result.error)
    webhook.refresh_from_db()
    return result
