from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from vsm.errors import DomainError
from vsm.notifications import services
from vsm.notifications.forms import ChatWebhookForm
from vsm.notifications.models import ChatWebhook
from vsm.notifications.selectors import chat_webhook_list, notification_list, notification_unread_count
from vsm.tenancy.pages import OrgView, paginate
from vsm.tenancy.roles import Perm

NOTIFICATIONS_PER_PAGE = 25
WEBHOOKS_PER_PAGE = 50


class NotificationListView(OrgView):
    def get(self, request):
        return render(request, "notifications/list.html", self.list_context(request))

    @staticmethod
    def list_context(request) -> dict:
        return {
            **paginate(request, notification_list(user=request.user), NOTIFICATIONS_PER_PAGE),
            "unread_count": notification_unread_count(user=request.user),
        }


class _MarkReadView(OrgView):
    """htmx swaps the list in place (the page named in ?page=); a plain form gets a redirect."""

    def done(self, request):
        if request.htmx:
            return render(request, "notifications/_list.html", NotificationListView.list_context(request))
        url = reverse("notifications:list", kwargs={"org_slug": self.org.slug})
        page = request.GET.get("page", "")
        return redirect(f"{url}?page={page}" if page.isdigit() else url)


class NotificationMarkReadView(_MarkReadView):
    def post(self, request, notification_id: int):
        notification = get_object_or_404(notification_list(user=request.user), pk=notification_id)
        services.notification_mark_read(user=request.user, notification_ids=[notification.pk])
        return self.done(request)


class NotificationMarkAllReadView(_MarkReadView):
    def post(self, request):
        services.notification_mark_read(user=request.user, all=True)
        return self.done(request)


class _WebhookView(OrgView):
    permission = Perm.MANAGE_ORGANIZATION
    write_permission = Perm.MANAGE_ORGANIZATION

    def webhook(self, webhook_id: int) -> ChatWebhook:
        return get_object_or_404(ChatWebhook, pk=webhook_id)


class WebhookListView(_WebhookView):
    def get(self, request, form=None, status: int = 200):
        return render(request, "notifications/webhooks.html", {
            **paginate(request, chat_webhook_list(), WEBHOOKS_PER_PAGE), "form": form or ChatWebhookForm(),
        }, status=status)

    def post(self, request):
        form = ChatWebhookForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                webhook = services.chat_webhook_create(actor=self.actor, **form.cleaned_data)
            except DomainError as error:
                self.domain_error_to_form(form, error)
                status = error.status
            else:
                messages.success(request, f"Chat webhook '{webhook.name}' added. Send a test message to check it.")
                return self.org_redirect("notifications:webhooks")
        return self.get(request, form=form, status=status)


class WebhookUpdateView(_WebhookView):
    """Pause or resume: a paused webhook keeps its URL and gets nothing."""

    def post(self, request, webhook_id: int):
        webhook = self.webhook(webhook_id)
        value = request.POST.get("is_active")
        if value not in ("true", "false"):
            return HttpResponseBadRequest("is_active: expected 'true' or 'false'.", content_type="text/plain")
        services.chat_webhook_update(actor=self.actor, webhook=webhook, is_active=value == "true")
        messages.success(request, f"'{webhook.name}' {'resumed' if webhook.is_active else 'paused'}.")
        return self.org_redirect("notifications:webhooks")


class WebhookTestView(_WebhookView):
    def post(self, request, webhook_id: int):
        webhook = self.webhook(webhook_id)
        result = services.chat_webhook_send_test(actor=self.actor, webhook=webhook)
        if result.ok:
            messages.success(request, f"Test message delivered to '{webhook.name}'.")
        else:
            messages.error(request, f"Test message to '{webhook.name}' failed: {result.error}")
        return self.org_redirect("notifications:webhooks")


class WebhookDeleteView(_WebhookView):
    def get(self, request, webhook_id: int):
        return render(request, "notifications/webhook_delete.html", {"webhook": self.webhook(webhook_id)})

    def post(self, request, webhook_id: int):
        webhook = self.webhook(webhook_id)
        services.chat_webhook_delete(actor=self.actor, webhook=webhook)
        messages.success(request, f"Chat webhook '{webhook.name}' deleted; nothing more is posted to it.")
        return self.org_redirect("notifications:webhooks")
