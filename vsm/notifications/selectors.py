from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from vsm.accounts.models import User
from vsm.notifications.models import ChatWebhook, Notification


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's notifications in the current organization, unread first, newest first."""
    unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return Notification.objects.filter(recipient=user).alias(unread=unread).order_by("-unread", "-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def chat_webhook_list() -> QuerySet[ChatWebhook]:
    return ChatWebhook.objects.order_by("name")
