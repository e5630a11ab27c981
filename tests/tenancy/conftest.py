"""Invitations for the tenancy tests: made through the service, the link read from the email."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from vsm.tenancy import services
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

LINK = re.compile(re.escape(settings.SITE_URL.rstrip("/")) + r"(/invitations/[A-Za-z0-9_-]+/)")


def link_in(mail) -> str:
    """The path of the invitation link in an email (it starts with SITE_URL)."""
    [path] = LINK.findall(mail.body)
    return path


@pytest.fixture
def invite(org_a, actor_a, mailoutbox):
    """invite(email, role=..., org=...) -> (invitation, link path), as org A's owner by default."""
    def make(email: str, role: str = Role.ENGINEER, org=None, actor=None):
        with tenant_context(org or org_a):
            invitation = services.invitation_create(email=email, role=role, actor=actor or actor_a)
        return invitation, link_in(mailoutbox[-1])
    return make
