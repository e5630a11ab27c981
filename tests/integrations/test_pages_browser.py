"""In a real Chromium: add a connection, see its webhook URL and secret, press "Sync now" against
a local ServiceNow Table API, and watch the run page poll until the run has finished."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection as db
from playwright.sync_api import expect

from integrations.sync import tasks
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.integrations.factories import ConnectionFactory
from tests.integrations.support import ReplayServer
from tests.integrations.sync_support import SOURCES
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(monkeypatch):
    """A stand-in Celery worker: a queued sync runs in a thread of its own, so the page that
    queued it comes back at once and has to poll, as with a real broker."""
    threads = []

    def run_later(kwargs, **options):
        def work():
            try:
                tasks.connection_sync(**kwargs)
            finally:
                db.close()
        threads.append(threading.Thread(target=work))
        threads[-1].start()
    monkeypatch.setattr(tasks.connection_sync, "apply_async", run_later)
    yield
    for thread in threads:
        thread.join(30)


def test_add_a_connection_then_sync_now_and_watch_the_run_finish(page, browser_login, server: ReplayServer, worker):
    acme = OrganizationFactory(name="Acme Payments", slug="acme")
    globex = OrganizationFactory(name="CANARY-B Globex", slug="globex")
    with tenant_context(globex):
        ConnectionFactory(organization=globex, name="CANARY-B ServiceNow")
    MembershipFactory(organization=acme, user=UserFactory(email="admin@acme.test"), role=Role.ADMIN)
    source = SOURCES["servicenow"]
    source.serve(server)
    listing = server.routes[source.list_path]

    def slowly(seen):  # slow enough for the page to show the run before it ends
        reply = listing(seen)
        reply.delay = 1.5
        return reply
    server.routes[source.list_path] = slowly

    browser_login("admin@acme.test")
    page.goto("/o/acme/")
    page.get_by_role("link", name="Integrations").click()
    expect(page.get_by_test_id("empty-connections")).to_be_visible()
    page.get_by_role("link", name="Add a connection").first.click()
    form = page.get_by_test_id("connection-form")
    form.locator("select[name=kind]").select_option("servicenow")
    form.locator("input[name=name]").fill("ServiceNow")
    form.get_by_label("API root").fill(server.url)
    form.get_by_label("Username").fill("sync")
    form.get_by_label("Token or password").fill("sn-password")
    form.get_by_label("Options").fill('{"tables": ["incident"]}')
    form.get_by_role("button", name="Add connection").click()

    expect(page.get_by_test_id("webhook-url")).to_contain_text("/hooks/")
    expect(page.get_by_test_id("revealed-secret")).to_be_visible()
    page.get_by_test_id("test-connection").click()
    expect(page.get_by_test_id("probe-result")).to_have_text("Connected")

    page.get_by_test_id("sync-now").click()
    progress = page.get_by_test_id("run-progress")
    expect(progress).to_have_attribute("data-status", re.compile("queued|running"))
    expect(progress).to_have_attribute("hx-trigger", "every 2s")  # the page polls while the run is live
    expect(page.get_by_test_id("run-status")).to_have_text("Succeeded", timeout=15_000)
    expect(progress).not_to_have_attribute("hx-trigger", "every 2s")  # and stops once it has finished
    expect(page.get_by_test_id("run-created")).to_have_text(str(source.rows))
    assert "CANARY" not in page.content()
    assert "sn-password" not in page.content()
