"""The lockout policy (docs/architecture.md, "Limits"): failures from one address lock that
address out of that account; an account is locked everywhere only when failures from several
addresses reach its own limit; an address failing across many accounts is locked at a gentler,
higher limit."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.db.models import Sum

from tests.accounts.test_login import LOGIN, PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
X, Y, Z = "198.51.100.7", "203.0.113.20", "192.0.2.99"


@pytest.fixture(autouse=True)
def limits(settings):
    """Small numbers with the default proportions: pair 3, account 7, address 10."""
    settings.AXES_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_LIMITS = {"username": 7, "ip_address": 10}


@pytest.fixture
def ana():
    return UserFactory(email="ana@example.com")


def attempt(client, address, email="ana@example.com", password="guess"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=address).status_code


def test_failures_from_one_address_lock_the_account_only_for_that_address(client, ana):
    assert [attempt(client, X) for _ in range(4)] == [400, 400, 429, 429]  # the third failure locks
    assert attempt(client, X, password=PASSWORD) == 429
    assert attempt(client, Y, password=PASSWORD) == 302


def test_one_address_cannot_reach_the_account_limit_alone(client, ana):
    """Attempts refused by the lockout are not counted, so X adds 3 failures, not 30."""
    statuses = [attempt(client, X) for _ in range(30)]
    assert statuses == [400] * 2 + [429] * 28
    assert AccessAttempt.objects.aggregate(total=Sum("failures_since_start"))["total"] == 3
    assert attempt(client, Y, password=PASSWORD) == 302


def test_failures_spread_over_addresses_lock_the_account_everywhere(client, ana):
    UserFactory(email="bo@example.com")
    addresses = ["10.0.0.1"] * 2 + ["10.0.0.2"] * 2 + ["10.0.0.3"] * 2 + ["10.0.0.4"]
    assert [attempt(client, address) for address in addresses] == [400] * 6 + [429]  # 7: the account's limit
    assert attempt(client, Z, password=PASSWORD) == 429  # a place that never failed
    assert attempt(client, Z, email="bo@example.com", password=PASSWORD) == 302  # other accounts are not


def test_an_account_limit_of_0_counts_nothing(client, ana, settings):
    settings.LOGIN_LOCKOUT_LIMITS = {"username": 0, "ip_address": 10}
    addresses = [f"10.0.0.{n}" for n in range(1, 5) for _ in range(2)]
    assert {attempt(client, address) for address in addresses} == {400}
    assert attempt(client, Z, password=PASSWORD) == 302


def test_just_under_the_account_limit_the_account_stays_open(client, ana):
    assert [attempt(client, address) for address in ["10.0.0.1"] * 3 + ["10.0.0.2"] * 3] == [400, 400, 429] * 2
    assert attempt(client, Z, password=PASSWORD) == 302  # 6 of 7


def test_an_address_failing_across_accounts_is_locked_at_the_address_limit(client, ana):
    UserFactory(email="carl@example.com")
    sprayed = [f"user{n}@example.com" for n in range(5)]
    assert [attempt(client, X, email=email) for email in sprayed * 2] == [400] * 9 + [429]  # 10: the address's
    assert attempt(client, X, email="carl@example.com", password=PASSWORD) == 429
    assert attempt(client, Y, email="carl@example.com", password=PASSWORD) == 302


def test_signing_in_to_ones_own_account_does_not_wipe_the_address_count(client, ana):
    sprayed = [f"user{n}@example.com" for n in range(9)]
    assert {attempt(client, X, email=email) for email in sprayed} == {400}
    assert attempt(client, X, password=PASSWORD) == 302  # 9 of 10: still open
    client.post("/accounts/logout/")
    assert attempt(client, X, email="user0@example.com") == 429  # the tenth


def test_the_person_signing_in_does_not_lift_another_addresss_lockout(client, ana):
    assert [attempt(client, X) for _ in range(3)] == [400, 400, 429]
    assert attempt(client, Y, password=PASSWORD) == 302
    client.post("/accounts/logout/")
    assert attempt(client, X, password=PASSWORD) == 429


PROXY = "10.1.1.1"


def through_proxy(client, forwarded_for, password="guess"):
    return client.post(LOGIN, {"username": "ana@example.com", "password": password},
                       REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for).status_code


def test_behind_a_trusted_proxy_each_client_is_counted_by_its_own_address(client, ana, settings):
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert [through_proxy(client, X) for _ in range(3)] == [400, 400, 429]
    # A client cannot pick its address: the proxy appends the one it saw, and that one counts.
    assert through_proxy(client, f"{Y}, {X}", password=PASSWORD) == 429
    assert through_proxy(client, Y, password=PASSWORD) == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {X}  # Y's sign-in kept X's


def test_without_trusted_proxies_x_forwarded_for_is_ignored(client, ana):
    assert [through_proxy(client, f"{n}.0.0.1") for n in range(1, 4)] == [400, 400, 429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {PROXY}
