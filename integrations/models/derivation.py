"""Work owed to the derived delivery data after records arrive."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from vsm.tenancy.scoping import TenantScopedModel


class DerivationPending(TenantScopedModel):
    """A service whose derived data (first production deployment of commits, incident
    attribution, rollups) must be recomputed from ``since`` on (null: from the beginning).

    Written in the transaction that stores the records, so the debt survives a broker outage:
    the task deletes the marker when it has paid it, and a periodic sweep re-queues markers that
    no task picked up. ``marked_at`` moves on every new mark, which tells a running task that
    more work arrived while it ran (it then leaves the marker for the next run)."""

    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(null=True, blank=True)
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "service"], name="derivationpending_unique")]
        verbose_name_plural = "pending derivations"

    def __str__(self) -> str:
        return f"derive {self.service_id} since {self.since or 'the beginning'}"
