from __future__ import annotations

import pytest

from environments import services
from environments.models import Environment
from tests.environments.factories import EnvironmentFactory
from vsm.errors import InvalidInput


@pytest.mark.parametrize("status", [Environment.Status.MAINTENANCE, Environment.Status.DOWN])
def test_taking_an_environment_out_of_service_needs_a_reason(org_a, org_b, in_org, actor_a, status):
    env = EnvironmentFactory(organization=org_a)
    with in_org(org_a):
        with pytest.raises(InvalidInput) as error:
            services.environment_set_status(actor=actor_a, environment=env, status=status, reason="  ")
        assert "reason" in error.value.fields
        services.environment_set_status(actor=actor_a, environment=env, status=status, reason="disk full")
        assert Environment.objects.get(pk=env.pk).status_reason == "disk full"
        services.environment_set_status(actor=actor_a, environment=env, status=Environment.Status.AVAILABLE)
        assert Environment.objects.get(pk=env.pk).status == Environment.Status.AVAILABLE
