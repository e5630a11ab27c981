"""Delivery as the tasks run it in eager mode (no broker): email, chat webhooks, retries,
idempotency, and the webhook URL kept out of logs."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from environments.services.bookings import booking_request
from tests.environments.factories import EnvironmentFactory
from tests.factories import ChatWebhookFactory, NotificationFactory
from tests.notifications.conftest import SECRET_PATH
from vsm.moments import moment_text
from vsm.notifications import chat, services
from vsm.notifications.models import ChatDelivery, ChatWebhook, Notification, NotificationKind
from vsm.notifications.tasks import deliver_notification, redeliver_pending_notifications
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role

SECRET = SECRET_PATH.rsplit("/", 1)[1]


@pytest.fixture
def notify_a(org_a, in_org, owner_a, django_capture_on_commit_callbacks):
    """notify() in org A, committed, so the queued delivery runs (eagerly)."""
    def send(recipients=None, kind=NotificationKind.APPROVAL_NEEDED, **fields):
        fields = {"title": "Approve the booking of staging-2", "body": "Ana asks for Tue-Thu.",
                  "url": "/o/acme/environments/staging-2/", **fields}
        with in_org(org_a), django_capture_on_commit_callbacks(execute=True):
            return services.notify(recipients=recipients or [owner_a], kind=kind, **fields)
    return send


def _hook(org, server, path=SECRET_PATH, **fields):
    return ChatWebhookFactory(organization=org, url=server.url(path), **fields)


def _reload(org, in_org, model, pk):
    with in_org(org):
        return model.objects.get(pk=pk)


LINK = "http://127.0.0.1:8000/o/acme/environments/staging-2/"


@pytest.mark.parametrize(("flavor", "expected"), [
    (ChatWebhook.Flavor.SLACK, {"text": f"*Approve the booking of staging-2*\nAna asks for Tue-Thu.\n{LINK}"}),
    (ChatWebhook.Flavor.TEAMS, {
        "@type": "MessageCard", "@context": "https://schema.org/extensions",
        "summary": "Approve the booking of staging-2", "title": "Approve the booking of staging-2",
        "text": f"Ana asks for Tue-Thu.\n\n[Open in Sluice]({LINK})",
        "potentialAction": [{"@type": "OpenUri", "name": "Open in Sluice",
                             "targets": [{"os": "default", "uri": LINK}]}],
    }),
])
def test_a_notification_is_emailed_and_posted_in_the_webhooks_flavor(
        org_a, org_b, in_org, owner_a, chat_server, notify_a, mailoutbox, settings, flavor, expected):
    settings.SITE_URL = "http://127.0.0.1:8000/"
    hook = _hook(org_a, chat_server, flavor=flavor)
    _hook(org_b, chat_server, path="/org-b")
    [notification] = notify_a()

    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == [owner_a.email] and email.from_email == settings.DEFAULT_FROM_EMAIL
    assert email.subject == "[Acme Payments] Approve the booking of staging-2"
    assert LINK in email.body and "Ana asks for Tue-Thu." in email.body
    assert chat_server.bodies() == [expected]
    assert chat_server.bodies("/org-b") == []

    notification = _reload(org_a, in_org, Notification, notification.pk)
    assert notification.emailed_at is not None and notification.email_error == ""
    with in_org(org_a):
        delivery = ChatDelivery.objects.get(webhook=hook)
        assert delivery.delivered_at is not None and delivery.attempts == 1 and delivery.error == ""
        assert ChatWebhook.objects.get(pk=hook.pk).last_delivery_at is not None


def test_slack_text_cannot_mention_the_whole_channel():
    message = chat.ChatMessage(title="<!channel> release R&D", body="<script>", link="http://x/")
    assert chat.payload("slack", message)["text"] == "*&lt;!channel&gt; release R&amp;D*\n&lt;script&gt;\nhttp://x/"


def test_a_webhook_gets_only_the_kinds_it_wants(org_a, in_org, chat_server, notify_a):
    _hook(org_a, chat_server, kinds=[NotificationKind.GATE_FAILED])
    _hook(org_a, chat_server, path="/paused", is_active=False)
    notify_a(kind=NotificationKind.APPROVAL_NEEDED)
    assert chat_server.received == []
    notify_a(kind=NotificationKind.GATE_FAILED, title="Gate 'QA exit' failed")
    assert [b["text"].splitlines()[0] for b in chat_server.bodies()] == ["*Gate 'QA exit' failed*"]


def test_one_event_for_several_people_is_posted_once_and_emailed_to_each(
        org_a, in_org, owner_a, member_factory, chat_server, notify_a, mailoutbox):
    _hook(org_a, chat_server)
    approvers = [owner_a, member_factory(Role.APPROVER), member_factory(Role.ENVIRONMENT_MANAGER)]
    notify_a(recipients=approvers)
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in approvers)
    assert len(chat_server.received) == 1


def test_running_the_task_again_sends_nothing_twice(org_a, in_org, chat_server, notify_a, mailoutbox):
    _hook(org_a, chat_server)
    [notification] = notify_a()
    deliver_notification.delay(org_id=org_a.pk, notification_id=notification.pk)
    deliver_notification(org_a.pk, notification_id=notification.pk)
    assert len(mailoutbox) == 1 and len(chat_server.received) == 1


def test_503_answers_are_retried_until_the_post_succeeds(org_a, in_org, chat_server, notify_a):
    hook = _hook(org_a, chat_server)
    chat_server.answer(503, 502)
    notify_a()
    assert len(chat_server.received) == 3
    with in_org(org_a):
        delivery = ChatDelivery.objects.get(webhook=hook)
    assert delivery.attempts == 3 and delivery.delivered_at is not None and delivery.error == ""


@pytest.mark.parametrize(("retry_after", "cap", "at_least", "below"), [
    ("1", 30.0, 0.95, 3.0),  # honoured
    ("5", 0.3, 0.25, 3.0),  # bounded: a long Retry-After is cut to the cap
])
def test_retry_after_is_honoured_within_a_bound(org_a, in_org, chat_server, notify_a, monkeypatch,
                                                retry_after, cap, at_least, below):
    monkeypatch.setattr(chat, "MAX_WAIT_SECONDS", cap)
    _hook(org_a, chat_server)
    chat_server.answer((429, {"Retry-After": retry_after}))
    notify_a()
    first, second = chat_server.received
    assert at_least <= second.at - first.at < below


def test_retry_after_may_be_an_http_date():
    response = chat.httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert chat._retry_after(response) == 0.0


@pytest.mark.parametrize(("answers", "error"), [
    ([404], "HTTP 404"),
    ([503] * chat.MAX_ATTEMPTS, f"HTTP 503 Service Unavailable after {chat.MAX_ATTEMPTS} attempt(s)"),
    (None, "ConnectError"),  # nothing listens
])
def test_a_failing_webhook_records_its_error_and_does_not_stop_the_email_or_other_webhooks(
        org_a, in_org, chat_server, notify_a, mailoutbox, answers, error):
    if answers is None:
        failing = ChatWebhookFactory(organization=org_a, name="dead", url=f"http://127.0.0.1:1{SECRET_PATH}")
    else:
        failing = _hook(org_a, chat_server, name="failing")
        chat_server.answer(*answers)
    healthy = _hook(org_a, chat_server, path="/healthy", name="healthy")
    notify_a()
    assert len(mailoutbox) == 1
    assert len(chat_server.bodies("/healthy")) == 1
    with in_org(org_a):
        delivery = ChatDelivery.objects.get(webhook=failing)
        failing = ChatWebhook.objects.get(pk=failing.pk)
        assert ChatWebhook.objects.get(pk=healthy.pk).last_error == ""
    assert delivery.delivered_at is None and delivery.attempts >= 1 and delivery.error.startswith(error)
    assert failing.last_error == delivery.error and failing.last_error_at is not None
    assert failing.last_delivery_at is None


def test_a_failing_email_is_recorded_and_does_not_stop_the_chat_post(
        org_a, in_org, chat_server, notify_a, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 2
    _hook(org_a, chat_server)
    [notification] = notify_a()
    notification = _reload(org_a, in_org, Notification, notification.pk)
    assert notification.emailed_at is None and "ConnectionRefusedError" in notification.email_error
    assert len(chat_server.received) == 1


def test_the_webhook_url_never_reaches_the_logs(org_a, in_org, chat_server, notify_a, caplog):
    caplog.set_level(logging.INFO)  # what production logs
    _hook(org_a, chat_server, name="ok")
    _hook(org_a, chat_server, path=SECRET_PATH + "-flaky", name="flaky")
    ChatWebhookFactory(organization=org_a, name="dead", url=f"http://127.0.0.1:1{SECRET_PATH}")
    chat_server.answer(503, 404)
    notify_a()
    assert len(chat_server.received) == 3
    assert [r.error for r in caplog.records if r.getMessage() == "chat webhook post failed"] == [
        "ConnectError: [Errno 111] Connection refused", "HTTP 404 Not Found"]
    assert "HTTP Request: POST http://127.0.0.1/[webhook path]" in caplog.text  # each attempt still shows
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert SECRET not in logged


def test_a_webhook_url_that_cannot_be_decrypted_is_reported_not_raised(org_a, in_org, chat_server, notify_a,
                                                                      mailoutbox):
    hook = _hook(org_a, chat_server)
    with in_org(org_a):
        ChatWebhook.objects.filter(pk=hook.pk).update(url_encrypted="gAAAAA-not-a-token")
    notify_a()
    assert len(mailoutbox) == 1
    assert "cannot be decrypted" in _reload(org_a, in_org, ChatWebhook, hook.pk).last_error


def test_the_catch_up_queues_notifications_never_delivered(org_a, org_b, in_org, owner_a, member_factory,
                                                           mailoutbox, django_capture_on_commit_callbacks):
    someone_in_b = member_factory(Role.ENGINEER, org=org_b)
    old = timezone.now() - timedelta(minutes=30)
    stuck_a = NotificationFactory(organization=org_a, recipient=owner_a, created_at=old)
    stuck_b = NotificationFactory(organization=org_b, recipient=someone_in_b, created_at=old)
    NotificationFactory(organization=org_a, recipient=owner_a)  # just created: its own task may still run
    NotificationFactory(organization=org_a, recipient=owner_a, created_at=old, emailed_at=old)
    NotificationFactory(organization=org_a, recipient=owner_a, created_at=timezone.now() - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert redeliver_pending_notifications() == 2
    assert sorted(m.to[0] for m in mailoutbox) == sorted([owner_a.email, someone_in_b.email])
    assert _reload(org_a, in_org, Notification, stuck_a.pk).emailed_at is not None
    assert _reload(org_b, in_org, Notification, stuck_b.pk).emailed_at is not None


def test_a_notification_deleted_before_delivery_is_skipped(org_a, mailoutbox):
    deliver_notification(org_a.pk, notification_id=987654)
    assert mailoutbox == []


def test_the_awaits_approval_email_gives_the_time_in_each_readers_zone_named_and_links_to_site_url(
        org_a, in_org, owner_a, member_factory, chat_server, mailoutbox, settings,
        django_capture_on_commit_callbacks):
    """A Berlin organization: the owner (no zone of their own) reads Berlin time, an approver who
    set Los Angeles reads theirs; the chat channel reads the organization's; every link starts
    with SITE_URL."""
    settings.SITE_URL = "https://sluice.example.test"
    org_a.time_zone = "Europe/Berlin"
    org_a.save(update_fields=["time_zone"])
    approver = member_factory(Role.APPROVER)
    approver.time_zone = "America/Los_Angeles"
    approver.save(update_fields=["time_zone"])
    engineer = member_factory(Role.ENGINEER)
    _hook(org_a, chat_server)
    start = (timezone.now() + timedelta(days=2)).replace(hour=7, minute=30, second=0, microsecond=0)
    with in_org(org_a), django_capture_on_commit_callbacks(execute=True):
        env = EnvironmentFactory(organization=org_a, name="Payments UAT", requires_approval=True)
        booking_request(actor=Actor(role=Role.ENGINEER, user=engineer), environment=env, start=start,
                        end=start + timedelta(hours=2), purpose="regression run")
    bodies = {email.to[0]: email.body for email in mailoutbox}
    berlin, los_angeles = ZoneInfo("Europe/Berlin"), ZoneInfo("America/Los_Angeles")
    assert f"from {moment_text(start, zone=berlin)} (Europe/Berlin)" in bodies[owner_a.email]
    assert f"from {moment_text(start, zone=los_angeles)} (America/Los_Angeles)" in bodies[approver.email]
    for body in bodies.values():
        assert "UTC" not in body and "07:30" not in body  # the hour in UTC, never shown
        links = re.findall(r"https?://\S+", body)
        assert links and all(link.startswith("https://sluice.example.test/o/acme/") for link in links)
    [posted] = chat_server.bodies()
    assert f"from {moment_text(start, zone=berlin)} (Europe/Berlin)" in posted["text"]
    assert "https://sluice.example.test/o/acme/" in posted["text"]
