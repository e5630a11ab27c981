"""Stateless web nodes: two gunicorn processes against one database and one Redis agree on what
one of them was told. A freeze created through one node holds for a deployment check through the
other within a second (each keeps freeze rules in memory, under the version it reads from the
database on each check); a login lockout earned on one holds on the other (django-axes counts in
the database).

These tests commit (transactional_db): the nodes are other processes."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from django.utils import timezone

from tests.accounts.test_login import LOGIN, PASSWORD
from tests.factories import UserFactory
from tests.redis_support import REDIS_SERVER, RedisServer
from tests.scaling.processes import web_nodes
from vsm.tenancy.roles import Role

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(not REDIS_SERVER, reason="SKIPPED: no redis-server to start")]

API = "/api/v1/orgs/acme"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _check(node: str, token: str) -> dict:
    response = httpx.post(f"{node}{API}/deployment-checks/", headers=_bearer(token), timeout=10,
                          json={"service": "payments-api", "environment": "payments-prod", "version": "2.4.0"})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def nodes(django_db_setup):
    """Two nodes for the module's tests (starting one takes seconds), with a Redis of their own."""
    redis = RedisServer()
    redis.start()
    try:
        with web_nodes(redis.url, 2, DJANGO_SETTINGS_MODULE="tests.scaling.node_settings") as urls:
            yield urls
    finally:
        redis.stop()


def test_a_freeze_made_on_one_node_is_enforced_by_a_check_on_the_other(world, org_a, token_factory, nodes):
    first, second = nodes
    ci = token_factory(org_a, role=Role.ENGINEER, name="ci")
    rm = token_factory(org_a, role=Role.RELEASE_MANAGER, name="rm")
    for _ in range(3):  # both nodes hold the organization's rules in memory
        assert _check(second, ci)["decision"] == "allow"
        assert _check(first, ci)["decision"] == "allow"
    now = timezone.now()
    made = httpx.post(f"{first}{API}/freeze-windows/", headers=_bearer(rm), timeout=10, json={
        "name": "Sudden freeze", "starts_at": (now - timezone.timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timezone.timedelta(hours=1)).isoformat()})
    assert made.status_code == 201, made.text
    made_at = time.monotonic()
    answer = _check(second, ci)
    assert time.monotonic() - made_at < 1.0
    assert answer["decision"] == "deny" and "freeze_active" in [r["code"] for r in answer["reasons"]]


def _login(node: str, email: str, password: str) -> int:
    with httpx.Client(base_url=node, timeout=10) as browser:
        form = browser.get(LOGIN)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        return browser.post(LOGIN, data={"username": email, "password": password,
                                         "csrfmiddlewaretoken": token}).status_code


def test_a_lockout_earned_on_one_node_holds_on_the_other(nodes, settings):
    first, second = nodes
    UserFactory(email="ana@example.com")
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [_login(first, "ana@example.com", "guess") for _ in range(limit)]
    assert statuses == [400] * (limit - 1) + [429]
    assert _login(second, "ana@example.com", PASSWORD) == 429
