"""TenantScopedModel: the base of every tenant-owned model, with fail-closed managers.

The filter on the organization is an expression evaluated when SQL is compiled, not when the
queryset is built, so querysets declared at import time (ModelForm choices, DRF related fields)
are scoped to whichever organization is current when they run, and raise outside any context.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from vsm.tenancy.context import (
    TenantContextMissing,
    TenantMismatch,
    cross_tenant_reason,
    current_org_id,
    require_org_id,
)


class CurrentOrganizationId(models.Expression):
    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection):
        return "%s", [require_org_id()]


class CrossTenantAllowed(models.Expression):
    output_field = models.BooleanField()
    conditional = True

    def as_sql(self, compiler, connection):
        if not cross_tenant_reason():
            raise TenantContextMissing("cross_tenant_objects used outside cross_tenant(reason=...)")
        return "TRUE", []


class TenantManager(models.Manager):
    """The default manager: only the current organization's rows; raises outside a context."""

    def get_queryset(self):
        return super().get_queryset().filter(organization_id=CurrentOrganizationId())


class CrossTenantManager(models.Manager):
    """Every organization's rows, only inside cross_tenant(reason=...)."""

    def get_queryset(self):
        return super().get_queryset().filter(CrossTenantAllowed())


def organization_key(*, db_index: bool = True) -> models.ForeignKey:
    """The tenant column. A model with a composite index that leads with it passes
    ``db_index=False``: an index on the column alone would only cost its writes, and without
    table statistics PostgreSQL may read a whole organization through it instead of using the
    composite one."""
    return models.ForeignKey("tenancy.Organization", on_delete=models.CASCADE, related_name="+", editable=False,
                             db_index=db_index)


class TenantScopedModel(models.Model):
    organization = organization_key()

    objects = TenantManager()
    cross_tenant_objects = CrossTenantManager()

    class Meta:
        abstract = True
        base_manager_name = "objects"

    def save(self, *args, **kwargs):
        self.stamp_organization()
        super().save(*args, **kwargs)

    def stamp_organization(self) -> None:
        """Give the row the context's organization; refuse one of another organization."""
        org_id = current_org_id()
        if org_id is None:
            raise TenantContextMissing(f"{type(self).__name__} saved outside tenant_context()")
        if self.organization_id is None:
            self.organization_id = org_id
        elif self.organization_id != org_id:
            raise TenantMismatch(
                f"{type(self).__name__} of organization {self.organization_id} saved in context {org_id}"
            )


class NamedEntity(TenantScopedModel):
    """A tenant row people name and address by slug (value streams, teams, environment groups):
    the slug is unique in the organization, lists sort by name. Written through vsm.entities."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="%(class)s_unique_slug")]

    def __str__(self) -> str:
        return self.name
