"""How the organization reads its delivery data (DeliverySettings): changing it re-derives the
attribution of incidents to deployments for every service, after commit."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from integrations.connection_selectors import delivery_settings_get
from integrations.derivation import service_ids_with_delivery
from integrations.models import DeliverySettings
from integrations.services.derivation_marks import derivation_mark
from vsm.audit.services import audit_record, snapshot
from vsm.errors import InvalidInput, PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm

MAX_WINDOW_HOURS = 24 * 90


@transaction.atomic
def delivery_settings_update(*, actor: Actor, attribute_incidents_by_time: bool,
                             incident_attribution_hours: int) -> DeliverySettings:
    if not actor.has(Perm.MANAGE_CONNECTIONS):
        raise PermissionRefused("Your role may not change delivery settings.")
    if not 1 <= incident_attribution_hours <= MAX_WINDOW_HOURS:
        raise InvalidInput.field("incident_attribution_hours", f"Use 1 to {MAX_WINDOW_HOURS} hours.")
    settings = delivery_settings_get()
    before = snapshot(settings) if settings.pk else None
    if (settings.pk and settings.attribute_incidents_by_time == attribute_incidents_by_time
            and settings.incident_attribution_hours == incident_attribution_hours):
        return settings
    settings.attribute_incidents_by_time = attribute_incidents_by_time
    settings.incident_attribution_hours = incident_attribution_hours
    settings.updated_at = timezone.now()
    settings.save()
    audit_record(actor=actor, action="delivery_settings.updated", instance=settings, before=before,
                 after=snapshot(settings))
    # Any incident may now belong to another deployment: re-derive every service from the start.
    derivation_mark(since_by_service=dict.fromkeys(service_ids_with_delivery()))
    return settings
