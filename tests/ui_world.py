"""A small organization with one member of each role and something on every main page, for the
tests that walk the pages as each role (tests/test_role_controls.py, tests/test_browser_phone.py,
tests/test_browser_axe.py). Much smaller than the demo seed, which takes minutes to load."""

from __future__ import annotations

from environments.models import Booking
from tests.analytics.pages_support import History
from tests.environments.factories import (
    BookingFactory,
    DeploymentApprovalRequestFactory,
    EnvironmentFactory,
    ProvisioningRequestFactory,
    hours_from_now,
)
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.gates.factories import AutomatedCriterionFactory, CriterionFactory, GateFactory
from tests.releases.factories import FreezeWindowFactory, PhaseFactory, ReleaseFactory, ReleaseServiceFactory
from vsm.tenancy.roles import Role

ROLES = [Role.OWNER, Role.ADMIN, Role.RELEASE_MANAGER, Role.ENVIRONMENT_MANAGER, Role.APPROVER, Role.ENGINEER,
         Role.VIEWER]


def email(role: str) -> str:
    return f"{role.replace('_', '-')}@acme.test"


def build_world():
    """The organization `acme` and the paths of its 25 main pages."""
    org = OrganizationFactory(name="Acme Payments", slug="acme")
    people = {role: UserFactory(email=email(role), full_name=f"{Role(role).label} Person") for role in ROLES}
    for role, user in people.items():
        MembershipFactory(organization=org, user=user, role=role)
    history = History(org)
    for days_ago in (1, 3, 6, 9, 15, 22, 30, 45):
        history.deploy(days_ago)
    history.derive()
    uat = EnvironmentFactory(organization=org, name="UAT 1", slug="uat-1", tier="uat")
    release = ReleaseFactory(organization=org, name="Spring release", value_stream=history.stream)
    ReleaseServiceFactory(organization=org, release=release, service=history.service)
    entry = GateFactory(organization=org, name="Ready for QA")
    CriterionFactory(organization=org, gate=entry, title="Test plan agreed")
    AutomatedCriterionFactory(organization=org, gate=entry, title="Unit tests green")
    PhaseFactory(organization=org, release=release, name="QA", environment=uat, entry_gate=entry)
    PhaseFactory(organization=org, release=release, name="Production rollout", environment=history.production)
    FreezeWindowFactory(organization=org, name="Quarter-end freeze", reason="Finance closes the books")
    FreezeWindowFactory(organization=org, name="Holiday freeze")
    # One running now and some later this week, of several people (a viewer's from before a role change).
    for hours, role in ((-1, Role.ENGINEER), (26, Role.OWNER), (50, Role.VIEWER), (74, Role.APPROVER)):
        BookingFactory(organization=org, environment=uat, requested_by=people[role], start=hours_from_now(hours),
                       purpose=f"{Role(role).label} regression run")
    BookingFactory(organization=org, environment=uat, requested_by=people[Role.ENGINEER], start=hours_from_now(98),
                   status=Booking.Status.REQUESTED, purpose="Performance run")
    DeploymentApprovalRequestFactory(organization=org, environment=uat, service=history.service,
                                     requested_by=people[Role.ENGINEER])
    ProvisioningRequestFactory(organization=org, team=history.team)
    base = "/o/acme"
    pages = [
        "/", "/releases/", f"/releases/{release.pk}/", "/releases/calendar/", "/releases/freezes/",
        "/releases/slots/", "/releases/templates/", "/environments/", "/environments/uat-1/",
        "/environments/calendar/", "/environments/book/", "/environments/bookings/mine/",
        "/environments/approvals/", "/environments/provisioning/", "/delivery/matrix/", "/catalog/",
        f"/catalog/services/{history.service.slug}/", "/catalog/teams/", "/catalog/value-streams/",
        "/analytics/", "/analytics/flow/", "/analytics/value-stream-map/", f"/gates/{entry.pk}/", "/notifications/",
        "/audit/",
    ]
    return org, [base + path for path in pages]
