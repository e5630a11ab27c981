"""The unread count in every page's navigation: one query, run only when a page shows it."""

from __future__ import annotations

from functools import cached_property

from vsm.notifications.selectors import notification_unread_count
from vsm.tenancy.context import current_org_id


class UnreadNotifications:
    def __init__(self, user):
        self.user = user

    @cached_property
    def count(self) -> int | None:
        # Read while the page renders, inside the organization's tenant context; error pages
        # rendered after the context closed (a 404) show no count.
        if current_org_id() is None:
            return None
        return notification_unread_count(user=self.user)


def unread_notifications(request):
    user = getattr(request, "user", None)
    if getattr(request, "membership", None) is None or user is None or not user.is_authenticated:
        return {}
    return {"unread": UnreadNotifications(user)}
