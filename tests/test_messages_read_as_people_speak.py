"""What a person reads in every message template (the plain-text templates: emails sent outside
a page), found on disk so a new one cannot be left out: each is rendered by the code that sends
it, for an organization in Europe/Berlin whose members read in America/Los_Angeles, and read as
the pages are (tests/test_pages_read_as_people_speak.py): no ISO-8601 text, no UTC offset, a
time only with its zone named, and links on SITE_URL. Notification emails and chat posts are
composed in code, not templates (tests/notifications/test_delivery.py reads them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test.signals import template_rendered

from tests.factories import MembershipFactory, UserFactory
from tests.test_pages_read_as_people_speak import HOUR, ISO_TIME, OFFSET, UTC_AFTER_TIME, ZONE_NAMED
from vsm.tenancy import services as tenancy
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

SITE_URL = "https://sluice.example.com"
LINK = re.compile(r"https?://[^\s]+")


def message_templates() -> set[str]:
    """Every plain-text template, by the name code renders it with."""
    root = Path(settings.BASE_DIR)
    found = set()
    for path in root.glob("**/templates/**/*.txt"):
        if {".venv", "node_modules"} & set(path.parts):
            continue
        parts = path.parts
        found.add("/".join(parts[len(parts) - parts[::-1].index("templates"):]))
    return found


def _invitation(client, org, owner):
    with tenant_context(org):
        tenancy.invitation_create(actor=Actor(role=Role.OWNER, user=owner), email="new@example.com",
                                  role=Role.ENGINEER)


def _password_reset(client, org, owner):
    client.post("/accounts/password/reset/", {"email": owner.email})


# template -> what sends it: (client, Berlin organization, its Los Angeles owner) -> None.
SENDERS = {
    "tenancy/invitation_email.txt": _invitation,
    "tenancy/invitation_subject.txt": _invitation,
    "accounts/password_reset_email.txt": _password_reset,
    "accounts/password_reset_subject.txt": _password_reset,
}


def test_every_message_template_has_a_sender_here():
    found = message_templates()
    assert found >= {"tenancy/invitation_email.txt"}, "the templates were not found"
    assert found <= set(SENDERS), f"add what sends {sorted(found - set(SENDERS))} to SENDERS"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(message_templates()))
def test_every_message_reads_as_people_speak(name, client, org_a, settings):
    settings.SITE_URL = SITE_URL + "/"
    org_a.time_zone = "Europe/Berlin"
    org_a.save(update_fields=["time_zone"])
    owner = UserFactory(email="owner@acme.test", time_zone="America/Los_Angeles")
    MembershipFactory(organization=org_a, user=owner, role=Role.OWNER)
    rendered = []

    def seen(sender, template, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(seen)
    try:
        SENDERS[name](client, org_a, owner)
    finally:
        template_rendered.disconnect(seen)
    assert name in rendered, f"{SENDERS[name].__name__} did not render {name}"
    [message] = mail.outbox
    text = f"{message.subject}\n{message.body}"
    for pattern in (ISO_TIME, OFFSET, UTC_AFTER_TIME):
        assert not pattern.search(text), f"{pattern.pattern!r} in {text!r}"
    assert not HOUR.search(ZONE_NAMED.sub("", text)), f"a time without its zone in {text!r}"
    assert all(link.startswith(SITE_URL + "/") for link in LINK.findall(text)), text
