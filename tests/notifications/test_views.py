from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ChatWebhookFactory, NotificationFactory
from tests.notifications.conftest import SECRET_PATH
from vsm.audit.models import AuditEvent
from vsm.notifications.models import ChatWebhook, Notification, NotificationKind
from vsm.tenancy.roles import Role

LIST = "/o/acme/notifications/"
WEBHOOKS = "/o/acme/notifications/webhooks/"
SECRET = SECRET_PATH.rsplit("/", 1)[1]


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr id="notification-\d+"[^>]*>.*?</tr>', html, re.S)


def test_the_list_shows_my_notifications_here_unread_first(client_a, org_a, org_b, owner_a, member_factory):
    now = timezone.now()
    NotificationFactory(organization=org_a, recipient=owner_a, title="Old but unread",
                        created_at=now - timedelta(days=2))
    NotificationFactory(organization=org_a, recipient=owner_a, title="New and read", read_at=now)
    NotificationFactory(organization=org_a, recipient=member_factory(Role.ENGINEER), title="Someone else's")
    NotificationFactory(organization=org_b, recipient=owner_a, title="CANARY-B elsewhere")
    response = client_a.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    rows = _rows(html)
    assert len(rows) == 2
    assert "Old but unread" in rows[0] and "data-unread" in rows[0] and "Mark read" in rows[0]
    assert "New and read" in rows[1] and "data-unread" not in rows[1] and "Mark read" not in rows[1]
    assert "Someone else" not in html and "CANARY-B" not in html
    assert "1 unread" in html


def test_the_list_is_paginated_in_a_fixed_number_of_queries(client_a, org_a, owner_a, django_assert_max_num_queries):
    for i in range(30):
        NotificationFactory(organization=org_a, recipient=owner_a, title=f"Event {i:02d}", body="details",
                            url="/o/acme/", actor_label="ana@acme.test")
    with django_assert_max_num_queries(13):
        page_one = client_a.get(LIST).content.decode()
    with django_assert_max_num_queries(13):
        page_two = client_a.get(LIST, {"page": 2}).content.decode()
    assert len(_rows(page_one)) == 25 and len(_rows(page_two)) == 5
    assert "Page 1 of 2" in page_one and "Event 29" in page_one and "Event 00" in page_two


def test_an_empty_list_says_so(client_a, org_a, org_b, owner_a):
    NotificationFactory(organization=org_b, recipient=owner_a)
    html = client_a.get(LIST).content.decode()
    assert "No notifications" in html and _rows(html) == []


def test_marking_one_read_with_htmx_swaps_the_list(client_a, org_a, in_org, owner_a):
    first = NotificationFactory(organization=org_a, recipient=owner_a, title="First")
    second = NotificationFactory(organization=org_a, recipient=owner_a, title="Second")
    response = client_a.post(f"{LIST}{first.pk}/read/?page=1", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "1 unread" in html
    with in_org(org_a):
        assert Notification.objects.get(pk=first.pk).read_at is not None
        assert Notification.objects.get(pk=second.pk).read_at is None


def test_marking_all_read_without_htmx_redirects_back(client_a, org_a, in_org, owner_a, member_factory):
    NotificationFactory.create_batch(3, organization=org_a, recipient=owner_a)
    theirs = NotificationFactory(organization=org_a, recipient=member_factory(Role.VIEWER))
    response = client_a.post(f"{LIST}read/?page=2")
    assert response.status_code == 302 and response["Location"] == f"{LIST}?page=2"
    with in_org(org_a):
        assert not Notification.objects.filter(recipient=owner_a, read_at__isnull=True).exists()
        assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "Nothing unread" in client_a.get(LIST).content.decode()


def test_someone_elses_notification_cannot_be_marked(client_a, org_a, in_org, member_factory):
    theirs = NotificationFactory(organization=org_a, recipient=member_factory(Role.ENGINEER))
    assert client_a.post(f"{LIST}{theirs.pk}/read/").status_code == 404
    assert client_a.get(f"{LIST}{theirs.pk}/read/").status_code == 405
    with in_org(org_a):
        assert Notification.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.parametrize("role", [Role.VIEWER, Role.APPROVER])
def test_every_member_has_a_notifications_page(client, org_a, member_factory, role):
    client.force_login(member_factory(role))
    assert client.get(LIST).status_code == 200


# --- Chat webhooks ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.RELEASE_MANAGER, Role.ENGINEER, Role.VIEWER])
def test_only_organization_managers_see_the_webhooks_page(client, org_a, member_factory, role):
    client.force_login(member_factory(role))
    assert client.get(WEBHOOKS).status_code == 403
    assert client.post(WEBHOOKS, {"name": "x", "flavor": "slack", "url": "https://h.example/x"}).status_code == 403


def test_adding_a_webhook_never_shows_its_url_again(client_a, org_a, org_b, in_org, chat_server):
    url = chat_server.url()
    response = client_a.post(WEBHOOKS, {"name": "#releases", "flavor": "teams", "url": url,
                                        "kinds": [NotificationKind.GATE_FAILED, NotificationKind.DECISION_MADE]})
    assert response.status_code == 302 and response["Location"] == WEBHOOKS
    html = client_a.get(WEBHOOKS).content.decode()
    assert "#releases" in html and "Microsoft Teams" in html and "Decision made, Gate failed" in html
    assert 'data-testid="webhooks"' in html and "never" in html
    assert SECRET not in html and str(chat_server.port) not in html
    with in_org(org_a):
        webhook = ChatWebhook.objects.get()
        assert webhook.url == url
        trail = [(e.before, e.after, e.message, e.object_repr) for e in AuditEvent.objects.all()]
    assert trail and SECRET not in str(trail)
    with in_org(org_b):
        assert not ChatWebhook.objects.exists()


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"url": "ftp://files.example/hook"}, "url", "http:// or https://"),
    ({"url": "http://hooks.example/x"}, "url", "OUTBOUND_HTTP_ALLOWED_HOSTS"),
    ({"url": ""}, "url", "This field is required"),
    ({"flavor": "discord"}, "flavor", "Select a valid choice"),
    ({"kinds": ["gossip"]}, "kinds", "Select a valid choice"),
    ({"name": ""}, "name", "This field is required"),
])
def test_bad_webhook_input_answers_400_naming_the_field(client_a, org_a, in_org, data, field, message):
    response = client_a.post(WEBHOOKS, {"name": "#ops", "flavor": "slack", "url": "https://h.example/x", **data})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert list(errors) == [field] and message in str(errors[field])
    with in_org(org_a):
        assert not ChatWebhook.objects.exists()


def test_a_second_webhook_of_the_same_name_answers_409(client_a, org_a):
    ChatWebhookFactory(organization=org_a, name="#ops")
    response = client_a.post(WEBHOOKS, {"name": "#ops", "flavor": "slack", "url": "https://h.example/x"})
    assert response.status_code == 409
    assert response.context["form"].errors == {"name": ["already used by another webhook"]}


def test_the_webhook_list_is_paginated_in_a_fixed_number_of_queries(client_a, org_a,
                                                                  django_assert_max_num_queries):
    for i in range(12):
        ChatWebhookFactory(organization=org_a, name=f"#channel-{i:02d}", kinds=[NotificationKind.GATE_FAILED],
                           last_error="HTTP 404", last_error_at=timezone.now())
    with django_assert_max_num_queries(12):
        html = client_a.get(WEBHOOKS).content.decode()
    assert html.count("Send test") == 12 and html.count("HTTP 404") == 12


@pytest.mark.parametrize(("answers", "outcome"), [
    ([], "Test message delivered to"),
    ([404], "failed: HTTP 404"),
    ([503], "failed: HTTP 503 Service Unavailable after 1 attempt(s)"),
    ([(302, {"Location": "http://169.254.169.254/latest/meta-data/"})],
     "failed: HTTP 302 Found (redirects are not followed)"),
])
def test_sending_a_test_message(client_a, org_a, in_org, chat_server, answers, outcome):
    webhook = ChatWebhookFactory(organization=org_a, name="#ops", url=chat_server.url())
    chat_server.answer(*answers)
    response = client_a.post(f"{WEBHOOKS}{webhook.pk}/test/", follow=True)
    html = response.content.decode()
    assert outcome in html and SECRET not in html
    assert len(chat_server.received) == 1
    assert chat_server.bodies()[0]["text"].startswith("*Test message from Sluice*")
    with in_org(org_a):
        assert AuditEvent.objects.filter(action="chat_webhook.tested").count() == 1


def test_a_test_message_to_an_internal_address_is_refused(client_a, org_a, in_org, chat_server, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []  # as in production: 127.0.0.1 is Sluice's own machine
    webhook = ChatWebhookFactory(organization=org_a, name="#ops", url=chat_server.url())
    html = client_a.post(f"{WEBHOOKS}{webhook.pk}/test/", follow=True).content.decode()
    assert "failed: Refused: 127.0.0.1 is a loopback address" in html and SECRET not in html
    assert chat_server.received == []
    with in_org(org_a):
        assert ChatWebhook.objects.get(pk=webhook.pk).last_error.startswith("Refused: 127.0.0.1 is a loopback")


def test_pausing_and_resuming_a_webhook(client_a, org_a, in_org):
    webhook = ChatWebhookFactory(organization=org_a)
    assert client_a.post(f"{WEBHOOKS}{webhook.pk}/", {"is_active": "false"}).status_code == 302
    assert "Resume" in client_a.get(WEBHOOKS).content.decode()
    with in_org(org_a):
        assert not ChatWebhook.objects.get(pk=webhook.pk).is_active
    response = client_a.post(f"{WEBHOOKS}{webhook.pk}/", {"is_active": "maybe"})
    assert response.status_code == 400 and b"is_active" in response.content
    client_a.post(f"{WEBHOOKS}{webhook.pk}/", {"is_active": "true"})
    with in_org(org_a):
        assert ChatWebhook.objects.get(pk=webhook.pk).is_active


def test_deleting_a_webhook_asks_first(client_a, org_a, org_b, in_org):
    webhook = ChatWebhookFactory(organization=org_a, name="#doomed")
    confirm = client_a.get(f"{WEBHOOKS}{webhook.pk}/delete/")
    assert confirm.status_code == 200 and "Delete “#doomed”?" in confirm.content.decode()
    with in_org(org_a):
        assert ChatWebhook.objects.filter(pk=webhook.pk).exists()
    response = client_a.post(f"{WEBHOOKS}{webhook.pk}/delete/", follow=True)
    assert "deleted" in response.content.decode()
    with in_org(org_a):
        assert not ChatWebhook.objects.exists()
        assert AuditEvent.objects.filter(action="chat_webhook.deleted").count() == 1


def test_an_empty_webhooks_page_says_what_to_do(client_a, org_a, org_b):
    ChatWebhookFactory(organization=org_b)
    html = client_a.get(WEBHOOKS).content.decode()
    assert "No chat webhooks yet" in html and "CANARY" not in html
