"""One canary row of every tenant model in organization B, for the isolation tests.

Adding a tenant model without an entry here fails test_every_tenant_model_has_a_canary; adding a
URL kwarg without an entry in WALKER_SAMPLES fails the walker. Canary text is 'CANARY-B'.
"""

from __future__ import annotations

from collections.abc import Callable

from tests import factories as f

CANARY = "CANARY-B"

# model label -> builds one row of that model in `org`, with canary text where it has text.
CANARY_BUILDERS: dict[str, Callable] = {
    "tenancy.membership": lambda org, rows: f.MembershipFactory(
        organization=org, user=f.UserFactory(email="canary-b@globex.test", full_name=f"{CANARY} Person")),
    "tenancy.apitoken": lambda org, rows: f.ApiTokenFactory(organization=org, name=f"{CANARY} token"),
    "audit.auditevent": lambda org, rows: f.AuditEventFactory(organization=org, object_repr=f"{CANARY} event"),
    "catalog.valuestream": lambda org, rows: f.ValueStreamFactory(organization=org, name=f"{CANARY} stream",
                                                                  slug="canary-stream"),
    "catalog.team": lambda org, rows: f.TeamFactory(organization=org, name=f"{CANARY} team", slug="canary-team"),
    "catalog.teammember": lambda org, rows: f.TeamMemberFactory(
        organization=org, team=rows["catalog.team"], user=rows["tenancy.membership"].user),
    "catalog.service": lambda org, rows: f.ServiceFactory(
        organization=org, name=f"{CANARY} service", slug="canary-service",
        value_stream=rows["catalog.valuestream"], team=rows["catalog.team"]),
    "notifications.notification": lambda org, rows: f.NotificationFactory(
        organization=org, recipient=rows["tenancy.membership"].user, title=f"{CANARY} notification"),
    "notifications.chatwebhook": lambda org, rows: f.ChatWebhookFactory(organization=org, name=f"{CANARY} hook"),
    "notifications.chatdelivery": lambda org, rows: f.ChatDeliveryFactory(
        organization=org, webhook=rows["notifications.chatwebhook"]),
}

# URL kwarg -> the value that points at organization B's row.
WALKER_SAMPLES: dict[str, Callable[[dict], object]] = {
    "membership_id": lambda rows: rows["tenancy.membership"].pk,
    "token_id": lambda rows: rows["tenancy.apitoken"].pk,
    "event_id": lambda rows: rows["audit.auditevent"].pk,
    "value_stream_slug": lambda rows: rows["catalog.valuestream"].slug,
    "team_slug": lambda rows: rows["catalog.team"].slug,
    "service_slug": lambda rows: rows["catalog.service"].slug,
    "pk": None,  # DRF routers: resolved per route from the viewset's queryset model, see the walker
    "notification_id": lambda rows: rows["notifications.notification"].pk,
    "webhook_id": lambda rows: rows["notifications.chatwebhook"].pk,
}


def build_canaries(org) -> dict[str, object]:
    rows: dict[str, object] = {}
    for label, build in CANARY_BUILDERS.items():
        rows[label] = build(org, rows)
    return rows
