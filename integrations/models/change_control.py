"""Which environments need an approved change request before anything is deployed into them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vsm.tenancy.scoping import TenantScopedModel


class ChangeControlledEnvironment(TenantScopedModel):
    """A row marks its environment as change-controlled: the deployment check then denies a
    deployment without an approved change request covering it. A row of its own rather than a
    flag on Environment because environments sits upstream and must not know about change
    requests; it points up the chain, and goes with the environment when that is deleted."""

    environment = models.OneToOneField("environments.Environment", on_delete=models.CASCADE,
                                       related_name="change_control")
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["environment__name", "id"]

    def __str__(self) -> str:
        return f"change control of {self.environment_id}"
