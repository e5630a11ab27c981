from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from environments.models import Environment, Tier
from releases import services
from releases.defaults import DEFAULT_TEMPLATE
from releases.models import ReleaseTemplate
from tests.environments.factories import EnvironmentFactory
from tests.factories import ServiceFactory, TeamFactory, ValueStreamFactory
from vsm.catalog.models import Service, ValueStream
from vsm.tenancy.context import tenant_context


@dataclass
class World:
    stream: ValueStream
    service: Service
    sit: Environment
    uat: Environment
    prod: Environment
    template: ReleaseTemplate


@pytest.fixture
def world(org_a, org_b, in_a, manager) -> World:
    """Org A's Payments stream with a service, SIT, UAT and production, and the default template.
    Org B has look-alikes with the same slugs, which must never be picked."""
    with tenant_context(org_b):
        stream_b = ValueStreamFactory(organization=org_b, slug="payments", name="CANARY-B payments")
        ServiceFactory(organization=org_b, slug="payments-api", value_stream=stream_b)
        EnvironmentFactory(organization=org_b, slug="payments-prod", tier=Tier.PRODUCTION, is_production=True)
    stream = ValueStreamFactory(organization=org_a, slug="payments", name="Payments")
    team = TeamFactory(organization=org_a, slug="payments-core", name="Payments Core")
    service = ServiceFactory(organization=org_a, slug="payments-api", value_stream=stream, team=team)
    sit = EnvironmentFactory(organization=org_a, slug="payments-sit", name="Payments SIT", tier=Tier.INTEGRATION,
                             value_stream=stream)
    uat = EnvironmentFactory(organization=org_a, slug="payments-uat", name="Payments UAT", tier=Tier.UAT,
                             value_stream=stream)
    prod = EnvironmentFactory(organization=org_a, slug="payments-prod", name="Payments Production",
                              tier=Tier.PRODUCTION, is_production=True, is_bookable=False, requires_booking=False,
                              value_stream=stream)
    template = services.template_create(actor=manager, **DEFAULT_TEMPLATE)
    return World(stream, service, sit, uat, prod, template)


def next_monday(hour: int = 8):
    today = timezone.localdate()
    day = today + timedelta(days=7 - today.weekday())
    return timezone.now().replace(year=day.year, month=day.month, day=day.day, hour=hour, minute=0, second=0,
                                  microsecond=0)


@pytest.fixture
def make_release(world, manager):
    """A planned release of `world`'s stream from the default template, holding its service."""
    def make(version: str = "2.4.0", **fields):
        fields.setdefault("planned_start", next_monday())
        fields.setdefault("services", [(world.service, "")])
        return services.release_create_from_template(
            actor=manager, template=world.template, name="Payments", version=version, value_stream=world.stream,
            **fields)
    return make
