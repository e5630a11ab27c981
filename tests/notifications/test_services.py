from __future__ import annotations

import logging

import pytest

from tests.factories import ChatWebhookFactory, NotificationFactory, UserFactory
from vsm.audit.models import AuditEvent
from vsm.errors import Conflict, InvalidInput, PermissionRefused
from vsm.notifications import services
from vsm.notifications.models import ChatWebhook, Notification, NotificationKind
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Role


def test_notify_creates_rows_only_for_members_of_the_current_organization(
        org_a, org_b, in_org, owner_a, member_factory, actor_a, caplog):
    engineer = member_factory(Role.ENGINEER)
    outsider = member_factory(Role.OWNER, org=org_b)
    stranger = UserFactory()
    caplog.set_level(logging.INFO, logger="vsm.notifications")
    with in_org(org_a):
        created = services.notify(recipients=[owner_a, engineer, outsider, stranger, engineer],
                                  kind=NotificationKind.APPROVAL_NEEDED, title="Approve booking of staging",
                                  url="/o/acme/environments/", actor=actor_a)
        assert sorted(n.recipient_id for n in created) == sorted([owner_a.pk, engineer.pk])
        assert Notification.objects.count() == 2
        assert {n.event_key for n in created} == {created[0].event_key}
        assert {n.actor_label for n in Notification.objects.all()} == {owner_a.email}
    with in_org(org_b):
        assert Notification.objects.count() == 0
    skipped = [r for r in caplog.records if "not a member" in r.getMessage()]
    assert sorted(r.user_id for r in skipped) == sorted([outsider.pk, stranger.pk])


@pytest.mark.parametrize(("changes", "field"), [
    ({"kind": "gossip"}, "kind"),
    ({"title": "  \n "}, "title"),
    ({"url": "https://evil.example/phish"}, "url"),
    ({"url": "//evil.example/phish"}, "url"),
])
def test_notify_refuses_bad_input_naming_the_field(org_a, in_org, owner_a, changes, field):
    arguments = {"recipients": [owner_a], "kind": NotificationKind.GENERAL, "title": "Hello", **changes}
    with in_org(org_a), pytest.raises(InvalidInput) as error:
        services.notify(**arguments)
    assert field in error.value.fields


def test_notify_keeps_titles_on_one_line_and_within_the_column(org_a, in_org, owner_a):
    with in_org(org_a):
        [notification] = services.notify(recipients=[owner_a], kind=NotificationKind.GENERAL,
                                         title="Gate\nfailed:  " + "x" * 300)
    assert notification.title.startswith("Gate failed: x") and len(notification.title) == 200


def test_mark_read_touches_only_the_readers_own_notifications(org_a, org_b, in_org, owner_a, member_factory):
    other = member_factory(Role.ENGINEER)
    mine = [NotificationFactory(organization=org_a, recipient=owner_a) for _ in range(3)]
    theirs = NotificationFactory(organization=org_a, recipient=other)
    elsewhere = NotificationFactory(organization=org_b, recipient=owner_a)
    with in_org(org_a):
        assert services.notification_mark_read(user=owner_a, notification_ids=[mine[0].pk, theirs.pk]) == 1
        assert services.notification_mark_read(user=owner_a, notification_ids=[mine[0].pk]) == 0
        assert services.notification_mark_read(user=owner_a, all=True) == 2
        assert not Notification.objects.filter(recipient=owner_a, read_at__isnull=True).exists()
        assert Notification.objects.get(pk=theirs.pk).read_at is None
    with in_org(org_b):
        assert Notification.objects.get(pk=elsewhere.pk).read_at is None


SECRET_URL = "https://hooks.slack.com/services/T000/B000/verysecrettoken"


def test_a_webhook_url_is_stored_encrypted_and_audited_without_it(org_a, org_b, in_org, actor_a):
    with in_org(org_a):
        webhook = services.chat_webhook_create(actor=actor_a, name="#releases", url=f"  {SECRET_URL} ",
                                               kinds=[NotificationKind.GATE_FAILED, NotificationKind.APPROVAL_NEEDED])
        stored = ChatWebhook.objects.get(pk=webhook.pk)
        assert stored.url == SECRET_URL and SECRET_URL not in stored.url_encrypted
        assert stored.kinds == [NotificationKind.APPROVAL_NEEDED, NotificationKind.GATE_FAILED]
        services.chat_webhook_update(actor=actor_a, webhook=stored, url=SECRET_URL + "2", is_active=False)
        services.chat_webhook_delete(actor=actor_a, webhook=stored)
        events = list(AuditEvent.objects.filter(object_type="notifications.chatwebhook").order_by("id"))
        assert [e.action for e in events] == ["chat_webhook.created", "chat_webhook.updated", "chat_webhook.deleted"]
        assert events[1].message == "URL replaced" and events[1].after["is_active"] is False
        for event in events:
            assert "verysecrettoken" not in f"{event.before} {event.after} {event.message} {event.object_repr}"
    with in_org(org_b):
        assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize(("changes", "field"), [
    ({"url": "ftp://files.example/hook"}, "url"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"name": "   "}, "name"),
    ({"flavor": "discord"}, "flavor"),
    ({"kinds": ["approval_needed", "gossip"]}, "kinds"),
])
def test_webhook_bad_input_names_the_field(org_a, in_org, actor_a, changes, field):
    arguments = {"name": "#ops", "url": SECRET_URL, **changes}
    with in_org(org_a), pytest.raises(InvalidInput) as error:
        services.chat_webhook_create(actor=actor_a, **arguments)
    assert field in error.value.fields


def test_webhook_names_are_unique_per_organization(org_a, org_b, in_org, actor_a):
    ChatWebhookFactory(organization=org_b, name="#ops")
    with in_org(org_a):
        services.chat_webhook_create(actor=actor_a, name="#ops", url=SECRET_URL)
        with pytest.raises(Conflict) as error:
            services.chat_webhook_create(actor=actor_a, name="#ops", url=SECRET_URL)
    assert error.value.fields == {"name": ["already used by another webhook"]}


@pytest.mark.parametrize("role", [Role.RELEASE_MANAGER, Role.ENVIRONMENT_MANAGER, Role.ENGINEER, Role.VIEWER])
def test_only_organization_managers_manage_webhooks(org_a, in_org, member_factory, role):
    actor = Actor(role=role, user=member_factory(role))
    webhook = ChatWebhookFactory(organization=org_a)
    with in_org(org_a):
        with pytest.raises(PermissionRefused):
            services.chat_webhook_create(actor=actor, name="#ops", url=SECRET_URL)
        with pytest.raises(PermissionRefused):
            services.chat_webhook_delete(actor=actor, webhook=webhook)
        with pytest.raises(PermissionRefused):
            services.chat_webhook_send_test(actor=actor, webhook=webhook)
