"""iCalendar feeds: readable by calendar clients without signing in, with the secret in the URL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from environments.feeds import feed_path
from tests.environments.factories import BookingFactory, EnvironmentFactory, OutageFactory
from tests.factories import TeamFactory
from vsm.tenancy.context import tenant_context

pytestmark = pytest.mark.django_db


def at(hours: float):
    return (timezone.now() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)


@pytest.fixture
def world(org_a, org_b):
    team = TeamFactory(organization=org_a, name="Checkout", slug="checkout")
    env = EnvironmentFactory(organization=org_a, name="SIT 1", slug="sit-1")
    other = EnvironmentFactory(organization=org_a, name="UAT", slug="uat")
    approved = BookingFactory(organization=org_a, environment=env, team=team, start=at(9), purpose="Regression")
    waiting = BookingFactory(organization=org_a, environment=other, team=team, start=at(12), status="requested",
                             purpose="UAT sign-off")
    BookingFactory(organization=org_a, environment=env, start=at(20), status="cancelled", purpose="Cancelled run")
    outage = OutageFactory(organization=org_a, environment=env, start=at(30), reason="Patch night")
    b_env = EnvironmentFactory(organization=org_b, name="CANARY-B env", slug="sit-1")
    BookingFactory(organization=org_b, environment=b_env, start=at(9), purpose="CANARY-B booking")
    return {"team": team, "env": env, "approved": approved, "waiting": waiting, "outage": outage, "b_env": b_env}


def events(response) -> dict[str, object]:
    calendar = Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_the_environment_feed_parses_and_holds_its_bookings_and_outages(client, world, org_a):
    with tenant_context(org_a):
        path = feed_path(org_slug="acme", environment=world["env"])
    response = client.get(path)  # no login: calendar clients cannot sign in
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    found = events(response)
    assert set(found) == {f"booking-{world['approved'].pk}@sluice", f"outage-{world['outage'].pk}@sluice"}
    event = found[f"booking-{world['approved'].pk}@sluice"]
    assert event.decoded("dtstart") == world["approved"].start and event.decoded("dtend") == world["approved"].end
    assert str(event["summary"]) == "SIT 1: Checkout" and str(event["status"]) == "CONFIRMED"
    assert "Patch night" in str(found[f"outage-{world['outage'].pk}@sluice"]["description"])


def test_the_team_feed_holds_the_teams_bookings_with_waiting_ones_tentative(client, world, org_a):
    with tenant_context(org_a):
        path = feed_path(org_slug="acme", team=world["team"])
    found = events(client.get(path))
    assert set(found) == {f"booking-{world['approved'].pk}@sluice", f"booking-{world['waiting'].pk}@sluice"}
    assert str(found[f"booking-{world['waiting'].pk}@sluice"]["status"]) == "TENTATIVE"


def test_wrong_secrets_and_other_organizations_answer_404(client, world, org_a, org_b):
    with tenant_context(org_a):
        good = feed_path(org_slug="acme", environment=world["env"])
        team_feed = feed_path(org_slug="acme", team=world["team"])
    with tenant_context(org_b):
        b_feed = feed_path(org_slug="globex", environment=world["b_env"])
    token = good.rsplit("/", 1)[1]
    for path in (
        good.replace(token, "0" * 40 + ".ics"),                  # wrong secret
        good.replace("/acme/", "/globex/"),                      # A's secret, B's organization
        b_feed.replace("/globex/", "/acme/"),                    # B's secret inside A
        team_feed.replace("/team/checkout/", "/team/other/"),    # secret of another team
        good.replace("/environment/", "/team/"),                 # an environment secret as a team's
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"CANARY-B" not in response.content
    assert client.post(good).status_code == 404  # read-only
    assert b"CANARY-B" in client.get(b_feed).content  # B's own feed works, in B
