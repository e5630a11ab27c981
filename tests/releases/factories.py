"""Factories of the releases app. Rows are written directly, not through the services, so tests
can set up states the services would refuse (a freeze that is already over, a full slot)."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from releases.models import (
    ActivityKind,
    DeploymentActivity,
    DeploymentCheck,
    FreezeOverride,
    FreezeWindow,
    FreezeWindowEnvironment,
    Phase,
    Release,
    ReleaseDependency,
    ReleaseService,
    ReleaseSettings,
    ReleaseSlotWindow,
    ReleaseTemplate,
    SlotBooking,
    TemplatePhase,
)
from tests.environments.factories import EnvironmentFactory
from tests.factories import ServiceFactory, TenantFactory, UserFactory, ValueStreamFactory, same_org
from vsm.tenancy.context import tenant_context


def soon(hours: float = 0):
    return timezone.now().replace(microsecond=0) + timedelta(hours=hours)


class FreezeWindowFactory(TenantFactory):
    """A one-off organization-wide freeze in force now."""

    class Meta:
        model = FreezeWindow

    name = factory.Sequence(lambda n: f"Freeze {n}")
    starts_at = factory.LazyFunction(lambda: soon(-1))
    ends_at = factory.LazyFunction(lambda: soon(3))
    rrule = ""
    last_ends_at = factory.LazyAttribute(lambda o: None if o.rrule else o.ends_at)


class FreezeWindowEnvironmentFactory(TenantFactory):
    class Meta:
        model = FreezeWindowEnvironment

    freeze_window = same_org(FreezeWindowFactory, scope="environments")
    environment = same_org(EnvironmentFactory)


class ReleaseTemplateFactory(TenantFactory):
    class Meta:
        model = ReleaseTemplate

    name = factory.Sequence(lambda n: f"Template {n}")


class TemplatePhaseFactory(TenantFactory):
    class Meta:
        model = TemplatePhase

    template = same_org(ReleaseTemplateFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = "SIT"


class ReleaseFactory(TenantFactory):
    class Meta:
        model = Release

    name = factory.Sequence(lambda n: f"Release {n}")
    version = factory.Sequence(lambda n: f"1.{n}.0")
    value_stream = same_org(ValueStreamFactory)
    planned_start = factory.LazyFunction(lambda: soon(24))
    planned_end = factory.LazyFunction(lambda: soon(24 * 14))


class ReleaseServiceFactory(TenantFactory):
    class Meta:
        model = ReleaseService

    release = same_org(ReleaseFactory)
    service = same_org(ServiceFactory)


class PhaseFactory(TenantFactory):
    class Meta:
        model = Phase

    release = same_org(ReleaseFactory)
    name = "SIT"
    order = factory.Sequence(lambda n: n + 1)
    planned_start = factory.LazyFunction(lambda: soon(24))
    planned_end = factory.LazyFunction(lambda: soon(24 * 3))


class ReleaseDependencyFactory(TenantFactory):
    class Meta:
        model = ReleaseDependency

    release = same_org(ReleaseFactory)
    depends_on = same_org(ReleaseFactory)


class FreezeOverrideFactory(TenantFactory):
    class Meta:
        model = FreezeOverride

    freeze_window = same_org(FreezeWindowFactory)
    release = same_org(ReleaseFactory)
    reason = "Hotfix for a payment outage"
    granted_by = factory.SubFactory(UserFactory)
    granted_by_label = factory.LazyAttribute(lambda o: o.granted_by.email)
    expires_at = factory.LazyFunction(lambda: soon(2))


class ReleaseSettingsFactory(TenantFactory):
    class Meta:
        model = ReleaseSettings

    @classmethod
    def _create(cls, model_class, *args, organization, **fields):
        # One row per organization, which a freeze window may already have made (releases/signals.py).
        with tenant_context(organization):
            return model_class.objects.update_or_create(defaults=fields)[0]


class ReleaseSlotWindowFactory(TenantFactory):
    """Every day 18:00-22:00 UTC, three releases each."""

    class Meta:
        model = ReleaseSlotWindow

    name = factory.Sequence(lambda n: f"Release window {n}")
    starts_at = factory.LazyFunction(lambda: soon(-24 * 2).replace(hour=18, minute=0, second=0))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=4))
    rrule = "FREQ=DAILY"
    capacity = 3


class SlotBookingFactory(TenantFactory):
    class Meta:
        model = SlotBooking

    window = same_org(ReleaseSlotWindowFactory)
    release = same_org(ReleaseFactory)
    slot_start = factory.LazyFunction(lambda: soon(-1))
    slot_end = factory.LazyFunction(lambda: soon(3))
    booked_by_label = "someone@example.com"


class DeploymentActivityFactory(TenantFactory):
    class Meta:
        model = DeploymentActivity

    release = same_org(ReleaseFactory)
    order = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Step {n}")
    kind = ActivityKind.MANUAL


class DeploymentCheckFactory(TenantFactory):
    class Meta:
        model = DeploymentCheck

    service_slug = "payments-api"
    environment_slug = "prod"
    version = "1.0.0"
    decision = "allow"
    checked_by_label = "token:ci"
