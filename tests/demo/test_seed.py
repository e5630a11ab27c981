from __future__ import annotations

import pytest

from vsm.accounts.models import User
from vsm.audit.models import AuditEvent
from vsm.catalog.models import Service, Team, ValueStream
from vsm.demo.seed import DEMO_PASSWORD, PEOPLE, seed_demo
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
