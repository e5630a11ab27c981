"""Shared fixtures. Every module that touches tenant data gets two organizations: A (the one
the test acts in) and B (the one that must never leak)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator

import pytest
from django.db import connection
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from tests.factories import MembershipFactory, OrganizationFactory, ServiceFactory, UserFactory
from tests.integrations.factories import ProductionEnvironmentFactory
from tests.integrations.support import ToolServer, serving
from tests.redis_support import REDIS_SERVER, RedisServer
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.roles import Role
from vsm.tenancy.services import api_token_create

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-dev-shm-usage"]


def _redis_available() -> bool:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    host_port = url.split("//", 1)[1].split("/", 1)[0]
    host, _, port = host_port.rpartition("@")[2].partition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port or 6379)), timeout=0.5):
            return True
    except OSError:
        return False


def pytest_collection_modifyitems(config, items):
    missing_browser = pytest.mark.skip(reason="SKIPPED: no Chromium found (apt-get install chromium); "
                                              "browser tests need a real browser")
    redis_up = _redis_available()
    missing_redis = pytest.mark.skip(reason="SKIPPED: no Redis answers at REDIS_URL or 127.0.0.1:6379")
    missing_redis_server = pytest.mark.skip(reason="SKIPPED: no redis-server to start (apt-get install redis-server)")
    for item in items:
        if "browser" in item.keywords and not CHROMIUM:
            item.add_marker(missing_browser)
        if "redis" in item.keywords and not redis_up:
            item.add_marker(missing_redis)
        if "own_redis" in getattr(item, "fixturenames", ()) and not REDIS_SERVER:
            item.add_marker(missing_redis_server)


@pytest.fixture
def own_redis():
    """A running Redis of this test's own (tests/redis_support.py), stopped at the end."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Acme Payments", slug="acme")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="CANARY-B Globex", slug="globex")


@pytest.fixture
def berlin(org_a):
    """Organization A, on Europe/Berlin time."""
    org_a.time_zone = "Europe/Berlin"
    org_a.save()
    return org_a


@pytest.fixture
def owner_a(org_a):
    user = UserFactory(email="owner@acme.test", full_name="Olivia Owner")
    MembershipFactory(organization=org_a, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def member_factory(org_a):
    def make(role: str, org=None, email: str | None = None):
        user = UserFactory(**({"email": email} if email else {}))
        MembershipFactory(organization=org or org_a, user=user, role=role)
        return user
    return make


# Organization A's production environment and its Payments API service.
@pytest.fixture
def prod_a(org_a):
    return ProductionEnvironmentFactory(organization=org_a, name="Production", slug="production")


@pytest.fixture
def payments_a(org_a):
    return ServiceFactory(organization=org_a, name="Payments API", slug="payments-api")


@pytest.fixture
def in_a(org_a, org_b):
    """The test body runs as organization A (B exists, and must stay invisible)."""
    with tenant_context(org_a):
        yield


@pytest.fixture
def actor_of(member_factory):
    """A member of org A (or `org`) with `role`, as the services see them."""
    def make(role: str = Role.APPROVER, org=None, email: str | None = None) -> Actor:
        return Actor(role=role, user=member_factory(role, org=org, email=email))
    return make


@pytest.fixture
def manager(actor_of) -> Actor:
    return actor_of(Role.RELEASE_MANAGER)


@pytest.fixture
def approver(actor_of) -> Actor:
    return actor_of(Role.APPROVER)


@pytest.fixture
def login(client, member_factory):
    """``login(role, email=None)``: the test client signed in as a new member of org A with
    ``role``; ``.user`` is them."""
    def as_role(role: str, email: str | None = None):
        user = member_factory(role, email=email)
        client.force_login(user)
        client.user = user
        return client
    return as_role


@pytest.fixture
def client_a(client, owner_a):
    client.force_login(owner_a)
    return client


@pytest.fixture
def actor_a(owner_a):
    return Actor(role=Role.OWNER, user=owner_a)


@pytest.fixture(scope="module")
def generated():
    """The OpenAPI schema and the generator's warnings and errors while making it."""
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    messages = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    GENERATOR_STATS.reset()
    return schema, messages


@pytest.fixture
def race():
    """``race(org, calls, timeout=...)``: each call in a thread of its own (so a connection of its own:
    real concurrent, committed transactions) inside ``org``'s context, all released together;
    returns what they returned and what they raised, each in the order they finished."""

    def run_all(org, calls, *, timeout: float = 120) -> tuple[list, list[BaseException]]:
        barrier = threading.Barrier(len(calls))
        results, errors, lock = [], [], threading.Lock()

        def run(call):
            try:
                with tenant_context(org):
                    barrier.wait(timeout=30)
                    outcome = call()
                with lock:
                    results.append(outcome)
            except BaseException as exc:  # collected and asserted on by the test
                with lock:
                    errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(call,)) for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=timeout)
        assert not any(thread.is_alive() for thread in threads), "a racing call hung"
        return results, errors

    return run_all


@pytest.fixture
def tool() -> Iterator[ToolServer]:
    """A local REST server standing in for Jira, ServiceNow or a Git host (write-back, config push)."""
    with serving(ToolServer()) as server:
        yield server


@pytest.fixture
def in_org():
    """`with in_org(org):` for test code that reads or writes tenant rows directly."""
    return tenant_context


@pytest.fixture
def token_factory():
    def make(org, role: str = Role.ENGINEER, name: str = "ci"):
        with tenant_context(org):
            _token, secret = api_token_create(name=name, role=role, expires_at=None,
                                              actor=Actor.for_system("tests"))
        return secret
    return make


@pytest.fixture
def token_client(token_factory):
    """``token_client(org, role=..., name=...)``: an API client holding a new token of ``org``."""
    def make(org, role: str = Role.ENGINEER, name: str = "ci") -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_factory(org, role=role, name=name)}")
        return client
    return make


@pytest.fixture
def api_a(org_a, token_client):
    """An API client authenticated with an engineer token of org A (what a CI job holds)."""
    return token_client(org_a)


@pytest.fixture
def api_as(member_factory):
    """An API client signed in (session) as a new member of org A with `role`; `.user` is them.
    For decisions that need a person (sign-offs, approvals), not a token."""
    def make(role: str, email: str | None = None) -> APIClient:
        client = APIClient()
        client.user = member_factory(role, email=email)
        client.force_login(client.user)
        return client
    return make


@pytest.fixture
def api_owner_a(org_a, token_client):
    return token_client(org_a, role=Role.OWNER, name="admin")


@pytest.fixture
def assert_max_queries(django_assert_max_num_queries):
    return django_assert_max_num_queries


@pytest.fixture(scope="session")
def browser_instance():
    """One headless Chromium for the session (Debian's package, never a downloaded build)."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser_instance, live_server):
    context = browser_instance.new_context(base_url=live_server.url, viewport={"width": 1360, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def browser_login(page):
    def login(email: str, password: str = "correct-horse-battery"):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
    return login
