"""No page offers a control its reader's role cannot use: for every role, the main pages are
rendered, every form that posts (and every hx-post/put/patch/delete) is sent as the page would
send it, each in a savepoint rolled back afterwards, and none may answer 403; every link into the
organization must lead to a page the role may see. A refused request gets the styled page or,
for htmx, the line naming the roles needed."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.db import transaction
from django.urls import resolve

from tests.ui_world import ROLES, build_world, email
from vsm.accounts.models import User
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import Membership
from vsm.tenancy.roles import Role

pytestmark = pytest.mark.django_db

WRITES = ("hx-post", "hx-put", "hx-patch", "hx-delete")


@dataclass
class Control:
    method: str
    action: str
    data: dict[str, str] = field(default_factory=dict)
    htmx: bool = False
    submitter: tuple[str, str] | None = None


class Controls(HTMLParser):
    """The writing controls and the links of one page."""

    def __init__(self, page: str):
        super().__init__()
        self.page, self.controls, self.links = page, [], set()
        self.form: Control | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        writes = [name for name in WRITES if a.get(name)]
        if tag == "form" and (a.get("method", "get").lower() == "post" or writes):
            verb = writes[0] if writes else None
            action = a[verb] if verb else a.get("action") or self.page
            self.form = Control(method=verb[3:].upper() if verb else "POST", action=urljoin(self.page, action),
                                htmx=bool(verb))
            self.controls.append(self.form)
        elif writes and tag != "form":
            self.controls.append(Control(method=writes[0][3:].upper(), action=urljoin(self.page, a[writes[0]]),
                                         htmx=True))
        if tag == "a" and a.get("href", "").startswith("/o/"):
            self.links.add(a["href"].split("#")[0])
        if self.form is None or not a.get("name"):
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "checkbox", "radio", "file"):
            self.form.data.setdefault(a["name"], a.get("value", ""))
        elif tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" in a:
            self.form.data.setdefault(a["name"], a.get("value", "on"))
        elif tag in ("button", "input") and a.get("type", "submit") == "submit" and self.form.submitter is None:
            self.form.submitter = (a["name"], a.get("value", ""))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and (self.select not in self.form.data or "selected" in a):
            self.form.data[self.select] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.form.data.setdefault(a["name"], "")

    def handle_data(self, data):
        if self.form is not None and self.textarea:
            self.form.data[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def send(client, control: Control):
    data = dict(control.data)
    if control.submitter:
        data.setdefault(*control.submitter)
    headers = {"HTTP_HX_REQUEST": "true"} if control.htmx else {}
    with transaction.atomic():
        response = getattr(client, control.method.lower())(control.action, data, **headers)
        transaction.set_rollback(True)
    return response


@pytest.fixture
def world():
    return build_world()


def offered_but_refused(client, org, pages, role) -> list[str]:
    """What the role's pages offer that answers 403 (forms sent, links checked by their page's rule)."""
    client.force_login(User.objects.get(email=email(role)))
    with tenant_context(org):
        membership = Membership.objects.get(user__email=email(role))
    links, refused, sent = set(), [], Counter()
    for page in pages:
        response = client.get(page)
        if response.status_code == 403:
            continue  # a page the role may not see: no link to it may be offered (checked below)
        assert response.status_code == 200, (role, page, response.status_code)
        found = Controls(page)
        found.feed(response.content.decode())
        links |= found.links
        for control in found.controls:
            path = urlsplit(control.action).path
            name = resolve(path).view_name
            if name == "accounts:logout" or sent[name] >= 3:  # three of a kind say enough
                continue
            sent[name] += 1
            if send(client, control).status_code == 403:
                refused.append(f"{page}: {control.method} {path} ({name})")
    for link in sorted(links):
        view = getattr(resolve(urlsplit(link).path).func, "view_class", None)
        if hasattr(view, "missing_permission") and view.missing_permission(membership, "GET") is not None:
            refused.append(f"link to {link}")
    # The walk must have sent something, or it proves nothing (a viewer may have nothing to send).
    assert sent or role == Role.VIEWER, role
    return [f"{Role(role).label}: {what}" for what in refused]


def test_no_page_offers_a_control_the_role_cannot_use(client, world):
    org, pages = world
    refused = [what for role in ROLES for what in offered_but_refused(client, org, pages, role)]
    assert refused == [], "offered, but answers 403:\n" + "\n".join(refused)


def test_a_refusal_is_a_page_naming_the_roles_and_a_line_for_htmx(client, world):
    client.force_login(User.objects.get(email=email(Role.VIEWER)))
    page = client.post("/o/acme/environments/book/", {})
    body = page.content.decode()
    assert page.status_code == 403 and "<nav" in body and 'class="topbar"' in body
    assert "Engineer" in body and "Your role here is Viewer" in body and "To book environments" in body
    line = client.post("/o/acme/environments/book/", {}, HTTP_HX_REQUEST="true")
    assert line.status_code == 403 and "<html" not in line.content.decode()
    assert 'class="refusal"' in line.content.decode() and "Engineer" in line.content.decode()
