"""factory_boy factories. Tenant-owned rows are saved inside their organization's context,
exactly as the application saves them."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from vsm.accounts.models import User
from vsm.audit.models import AuditEvent
from vsm.catalog.models import Service, Team, TeamMember, ValueStream
from vsm.notifications.models import ChatDelivery, ChatWebhook, Notification
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import ApiToken, Invitation, Membership, Organization
from vsm.tenancy.roles import Role


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class TenantFactory(DjangoModelFactory):
    """Base for tenant-owned rows: `organization` is required and every SubFactory shares it."""

    class Meta:
        abstract = True

    organization = factory.SubFactory(OrganizationFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with tenant_context(kwargs["organization"]):
            return super()._create(model_class, *args, **kwargs)


def same_org(factory_class, **kwargs):
    return factory.SubFactory(factory_class, organization=factory.SelfAttribute("..organization"), **kwargs)


class MembershipFactory(TenantFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.ENGINEER


class ApiTokenFactory(TenantFactory):
    class Meta:
        model = ApiToken

    name = factory.Sequence(lambda n: f"ci-{n}")
    role = Role.ENGINEER
    prefix = "slc_test"
    digest = factory.Sequence(lambda n: f"{n:064x}")


class InvitationFactory(TenantFactory):
    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invited{n}@example.com")
    role = Role.ENGINEER
    digest = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class ValueStreamFactory(TenantFactory):
    class Meta:
        model = ValueStream

    name = factory.Sequence(lambda n: f"Value stream {n}")
    slug = factory.Sequence(lambda n: f"vs-{n}")


class TeamFactory(TenantFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class TeamMemberFactory(TenantFactory):
    class Meta:
        model = TeamMember

    team = same_org(TeamFactory)
    user = factory.SubFactory(UserFactory)


class ServiceFactory(TenantFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    value_stream = same_org(ValueStreamFactory)
    team = same_org(TeamFactory)


class AuditEventFactory(TenantFactory):
    class Meta:
        model = AuditEvent

    actor_label = "factory"
    action = "thing.created"
    object_type = "catalog.service"
    object_id = "1"
    object_repr = "a thing"


class NotificationFactory(TenantFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Notification {n}")


class ChatWebhookFactory(TenantFactory):
    class Meta:
        model = ChatWebhook

    name = factory.Sequence(lambda n: f"Channel {n}")
    url = "http://127.0.0.1:9/hook"


class ChatDeliveryFactory(TenantFactory):
    class Meta:
        model = ChatDelivery

    event_key = factory.Sequence(lambda n: f"event-{n}")
    webhook = same_org(ChatWebhookFactory)
