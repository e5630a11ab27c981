"""The deterministic demo: one believable organization (and a second, to show the switcher).

Apps add their part by exposing `<app>.demo.seed(org, *, rng, today)`; seed_demo calls each,
in INSTALLED_APPS order, inside the organization's context, so the demo always shows every
feature. The same seed gives the same data.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from vsm.accounts.models import User
from vsm.catalog import services as catalog
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import Membership, Organization
from vsm.tenancy.roles import Role
from vsm.tenancy.services import organization_create

DEMO_PASSWORD = "sluice-demo"
DEMO_SLUG = "acme"

PEOPLE = [
    ("owner@acme.test", "Olivia Owner", Role.OWNER),
    ("admin@acme.test", "Adam Admin", Role.ADMIN),
    ("release@acme.test", "Rita Release", Role.RELEASE_MANAGER),
    ("envs@acme.test", "Emil Environments", Role.ENVIRONMENT_MANAGER),
    ("approver@acme.test", "Ada Approver", Role.APPROVER),
    ("dev@acme.test", "Dev Engineer", Role.ENGINEER),
    ("qa@acme.test", "Quinn Tester", Role.ENGINEER),
    ("viewer@acme.test", "Vic Viewer", Role.VIEWER),
]

# value stream -> (team, [services]); each team's first member is its manager
CATALOG = {
    "Payments": [
        ("Payments Core", ["payments-api", "ledger", "fraud-scoring"], ["dev@acme.test", "envs@acme.test"]),
    ],
    "Checkout": [
        ("Checkout Squad", ["checkout-web", "cart-service", "pricing"], ["qa@acme.test", "dev@acme.test"]),
    ],
    "Mobile": [
        ("Mobile Apps", ["ios-app", "android-app", "mobile-bff"], ["qa@acme.test"]),
    ],
}
PLATFORM_SERVICES = ["identity", "notifications-gateway"]


@dataclass
class DemoResult:
    organization: Organization
    created: bool


def _user(email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, full_name=name)
    return user


def _seed_catalog(actor: Actor) -> None:
    platform = catalog.team_create(actor=actor, name="Platform", description="Shared infrastructure and tooling")
    users = {u.email: u for u in User.objects.filter(memberships__isnull=False)}
    for stream_name, teams in CATALOG.items():
        stream = catalog.value_stream_create(actor=actor, name=stream_name,
                                             description=f"Everything that ships {stream_name.lower()} to customers")
        for team_name, services, members in teams:
            team = catalog.team_create(actor=actor, name=team_name)
            catalog.team_set_members(actor=actor, team=team, users=[users[e] for e in members],
                                     managers=[users[members[0]]])
            for slug in services:
                catalog.service_create(actor=actor, name=slug.replace("-", " ").title(), slug=slug,
                                       repository_url=f"https://git.example.com/acme/{slug}",
                                       value_stream=stream, team=team)
    catalog.team_set_members(actor=actor, team=platform, users=[users["envs@acme.test"]],
                             managers=[users["envs@acme.test"]])
    for slug in PLATFORM_SERVICES:
        catalog.service_create(actor=actor, name=slug.replace("-", " ").title(), slug=slug, team=platform)


def _app_seeders():
    from django.apps import apps

    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        if module.__name__ != __name__ and hasattr(module, "seed"):
            yield module.seed


@transaction.atomic
def seed_demo(*, seed: int = 7, today: date | None = None) -> DemoResult:
    existing = Organization.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return DemoResult(existing, created=False)
    actor = Actor.for_system("seed_demo")
    today = today or timezone.localdate()
    rng = random.Random(seed)

    people = [(_user(email, name), role) for email, name, role in PEOPLE]
    org = organization_create(name="Acme Payments", slug=DEMO_SLUG, time_zone="Europe/Berlin",
                              owner=people[0][0], actor=actor)
    with tenant_context(org):
        # Directly, not by invitation: the operator loading the demo creates these made-up people
        # too, so there is nobody whose consent to ask (docs/architecture.md, "Members: membership by consent").
        Membership.objects.bulk_create(
            [Membership(organization=org, user=user, role=role) for user, role in people[1:]])
        _seed_catalog(actor)
        for seeder in _app_seeders():
            seeder(org, rng=rng, today=today)

    # A second, smaller organization, so the org switcher has somewhere to go.
    other = organization_create(name="Globex Retail", slug="globex", time_zone="America/New_York",
                                owner=people[0][0], actor=actor)
    with tenant_context(other):
        catalog.service_create(actor=actor, name="Storefront", slug="storefront")
    return DemoResult(org, created=True)


def demo_summary() -> str:
    lines = [f"Sign in with any of these (password: {DEMO_PASSWORD}):"]
    lines += [f"  {email:<22} {role.label}" for email, _name, role in PEOPLE]
    return "\n".join(lines)

