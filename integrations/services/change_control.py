"""Marking environments as change-controlled: deployments into them need an approved change request."""

from __future__ import annotations

from django.db import transaction

from environments.models import Environment
from integrations.models import ChangeControlledEnvironment
from vsm.audit.services import audit_record
from vsm.errors import PermissionRefused
from vsm.tenancy.actor import Actor
from vsm.tenancy.roles import Perm


@transaction.atomic
def change_control_set(*, actor: Actor, environment: Environment, required: bool) -> bool:
    """Require (or stop requiring) an approved change request for deployments into `environment`.
    Returns whether anything changed; setting what is already set records nothing."""
    if not actor.has(Perm.MANAGE_ENVIRONMENTS):
        raise PermissionRefused("Your role may not do this (manage environments).")
    marked = ChangeControlledEnvironment.objects.select_for_update().filter(environment=environment).first()
    if required == (marked is not None):
        return False
    if required:
        marked = ChangeControlledEnvironment.objects.create(environment=environment, marked_by=actor.user)
    else:
        marked.delete()
    audit_record(actor=actor, action="environment.change_control_" + ("required" if required else "lifted"),
                 instance=environment, after={"requires_change_request": required})
    return True
