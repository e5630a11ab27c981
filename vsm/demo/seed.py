"""The deterministic demo: one believable organization (and a second, to show the switcher).

Apps add their part by exposing `<app>.demo.seed(org, *, rng, today)`; seed_demo calls each,
in INSTALLED_APPS order, inside the organization's context, so the demo always shows every
feature. The same seed gives the same data.
"""

from __future__ import annotations

import importlib
import logging
import random
import time
from dataclasses import dataclass
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from vsm.accounts.models import User
from vsm.catalog import services as catalog
from vsm.tenancy.actor import Actor
from vsm.tenancy.context import tenant_context
from vsm.tenancy.models import Membership, Organization
from vsm.tenancy.roles import Role
from vsm.tenancy.services import organization_create

logger = logging.getLogger(__name__)

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

# value stream -> (team, [(service slug, name)], members); each team's first member is its
# manager. Names are given, not derived from the slug ("iOS App", not "Ios App").
CATALOG = {
    "Payments": [
        ("Payments Core", [("payments-api", "Payments API"), ("ledger", "Ledger"), ("fraud-scoring", "Fraud Scoring")],
         ["dev@acme.test", "envs@acme.test"]),
    ],
    "Checkout": [
        ("Checkout Squad", [("checkout-web", "Checkout Web"), ("cart-service", "Cart Service"), ("pricing", "Pricing")],
         ["qa@acme.test", "dev@acme.test"]),
    ],
    "Mobile": [
        ("Mobile Apps", [("ios-app", "iOS App"), ("android-app", "Android App"), ("mobile-bff", "Mobile BFF")],
         ["qa@acme.test"]),
    ],
}
PLATFORM_SERVICES = [("identity", "Identity"), ("notifications-gateway", "Notifications Gateway")]


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
            for slug, service_name in services:
                catalog.service_create(actor=actor, name=service_name, slug=slug,
                                       repository_url=f"https://git.example.com/acme/{slug}",
                                       value_stream=stream, team=team)
    catalog.team_set_members(actor=actor, team=platform, users=[users["envs@acme.test"]],
                             managers=[users["envs@acme.test"]])
    for slug, service_name in PLATFORM_SERVICES:
        catalog.service_create(actor=actor, name=service_name, slug=slug, team=platform)


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
            started = time.monotonic()
            seeder(org, rng=rng, today=today)
            # In <data folder>/demo.log under `make demo`: where a first run spends its time.
            logger.info("demo data of %s loaded in %.1f s", seeder.__module__, time.monotonic() - started)

    _analyze()
    # A second, smaller organization, so the org switcher has somewhere to go.
    other = organization_create(name="Globex Retail", slug="globex", time_zone="America/New_York",
                                owner=people[0][0], actor=actor)
    with tenant_context(other):
        catalog.service_create(actor=actor, name="Storefront", slug="storefront")
    return DemoResult(org, created=True)


def _analyze() -> None:
    """Statistics for the tables just filled. Without them the planner takes the demo's year of
    history for empty tables until autovacuum comes by (never, inside a test's transaction), and
    the value stream map's statement runs for minutes instead of a fraction of a second."""
    from django.apps import apps

    tables = sorted({model._meta.db_table for model in apps.get_models() if model._meta.managed})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(table) for table in tables))


# What a newcomer might try first, as whom (printed by `make demo`).
THINGS_TO_TRY = [
    ("dev@acme.test", "Environments → Book: ask for Payments UAT at a busy hour; the clash names who holds it "
                      "and offers the next free slot."),
    ("release@acme.test", "Releases → Checkout release: at risk, since it needs the payments release first; "
                          "open its gates and evidence."),
    ("owner@acme.test", "Analytics → Value stream map: where work waits between commit and production."),
]


def demo_summary(*, address: str | None = None) -> str:
    """The few lines `make demo` ends with: where, who, and what to try."""
    lines = [f"Sluice is ready at {address}/" if address else "The demo data is ready.",
             f"Sign in with password {DEMO_PASSWORD} as any of:"]
    lines += [f"  {email:<22} {role.label}" for email, _name, role in PEOPLE]
    lines.append("Three things to try:")
    lines += [f"  {n}. {text} (as {email})" for n, (email, text) in enumerate(THINGS_TO_TRY, start=1)]
    return "\n".join(lines)
