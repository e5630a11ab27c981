from __future__ import annotations

import pytest

from integrations.models import Connection, Incident
from releases.models import Release
from releases.selectors.releases import dependency_warnings
from vsm.accounts.models import User
from vsm.audit.models import AuditEvent
from vsm.catalog.models import Service, Team, ValueStream
from vsm.demo.seed import DEMO_PASSWORD, PEOPLE, demo_summary, seed_demo
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import Membership
from vsm.tenancy.selectors import organizations_of


def _fingerprint(org):
    with tenant_context(org):
        return (
            sorted(Service.objects.values_list("slug", "team__slug", "value_stream__slug")),
            sorted(Membership.objects.values_list("user__email", "role")),
        )


@pytest.mark.django_db
def test_the_demo_has_every_role_and_a_believable_catalog():
    result = seed_demo()
    assert result.created
    with tenant_context(result.organization):
        roles = set(Membership.objects.values_list("role", flat=True))
        assert roles == {role for _e, _n, role in PEOPLE}
        assert ValueStream.objects.count() == 3 and Team.objects.count() == 4
        assert Service.objects.count() >= 10
        assert AuditEvent.objects.filter(action="service.created").count() == Service.objects.count()
    user = User.objects.get(email=PEOPLE[0][0])
    assert user.check_password(DEMO_PASSWORD)
    assert len(organizations_of(user=user)) == 2  # the org switcher has somewhere to go


@pytest.mark.django_db
def test_seeding_twice_keeps_the_data():
    first = seed_demo()
    before = _fingerprint(first.organization)
    second = seed_demo()
    assert not second.created and _fingerprint(second.organization) == before


@pytest.mark.django_db
def test_the_demo_fills_the_pages_a_newcomer_opens_first(client, settings):
    """The value stream map has every event its stages use, Integrations shows a connection with
    sync history and webhook deliveries, services have their own names, an incident is open and
    a release is at risk (a dependency planned to finish late)."""
    # What the pages show, not how fast: the map over the whole demo may pass the 15 s bound of
    # a request on a busy test machine.
    settings.DATABASE_STATEMENT_TIMEOUT_MS = 0
    result = seed_demo()
    org = result.organization
    client.force_login(User.objects.get(email=PEOPLE[0][0]))
    vsm = client.get(f"/o/{org.slug}/analytics/value-stream-map/").content.decode()
    assert "Data the map is missing" not in vsm
    integrations = client.get(f"/o/{org.slug}/integrations/").content.decode()
    assert "No connections yet" not in integrations and "GitHub (acme)" in integrations
    with tenant_context(org):
        connection = Connection.objects.get(name="GitHub (acme)")
        assert connection.sync_runs.count() >= 5 and connection.deliveries.count() >= 3
        names = set(Service.objects.values_list("name", flat=True))
        assert {"iOS App", "Payments API", "Mobile BFF"} <= names and "Ios App" not in names
        assert Incident.objects.filter(status="open").exists()
        assert any(dependency_warnings(release=release) for release in Release.objects.all())


def test_the_demo_summary_is_short_and_ends_with_what_to_try():
    summary = demo_summary(address="http://127.0.0.1:8000").splitlines()
    assert summary[0] == "Sluice is ready at http://127.0.0.1:8000/"
    assert len(summary) <= 16 and summary[-4] == "Three things to try:"
    assert all(email in "\n".join(summary) for email, _name, _role in PEOPLE)
