"""What configuration files did to an organization: the change sets applied, and which objects a
file manages (with the values it last wrote, so a manual change shows as drift)."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from vsm.tenancy.scoping import TenantScopedModel


class ChangeSet(TenantScopedModel):
    """One apply of a file: the plan it carried out, who applied it, and from what (a commit)."""

    append_only = True

    class Origin(models.TextChoices):
        API = "api", "API"
        REPOSITORY = "repository", "Repository push"

    applied_at = models.DateTimeField(default=timezone.now)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.DO_NOTHING,
                                   db_constraint=False, related_name="+")
    actor_label = models.CharField(max_length=254)
    origin = models.CharField(max_length=16, choices=Origin.choices, default=Origin.API)
    source = models.CharField(max_length=200, blank=True, help_text="where the file came from, e.g. a commit")
    prune = models.BooleanField(default=False)
    changes = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    request_id = models.CharField(max_length=64, blank=True, help_text="the audit events written with it")

    class Meta:
        ordering = ["-applied_at", "-id"]

    def __str__(self) -> str:
        return f"change set {self.pk} ({len(self.changes)} changes)"


class ManagedObject(TenantScopedModel):
    """An object a file manages, with the record the last apply wrote."""

    section = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    applied = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    change_set = models.ForeignKey(ChangeSet, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["section", "key"]
        constraints = [models.UniqueConstraint(fields=["organization", "section", "key"],
                                               name="managedobject_unique_key")]

    def __str__(self) -> str:
        return f"{self.section} {self.key}"


class RepositorySource(TenantScopedModel):
    """Where the organization's file lives: a push to `branch` that changes `path` plans it and,
    unless a person must approve, applies it; the result goes back to the commit as a status."""

    connection = models.ForeignKey("integrations.Connection", on_delete=models.CASCADE, related_name="+",
                                   help_text="a GitHub or GitLab connection receiving push webhooks")
    repository = models.CharField(max_length=200, help_text="GitHub: owner/name; GitLab: the project's path or id")
    path = models.CharField(max_length=300, default="sluice.yaml")
    branch = models.CharField(max_length=200, default="main")
    apply_on_push = models.BooleanField(default=True, help_text="off: a push is only planned; a person applies")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="repositorysource_one_per_org")]

    def __str__(self) -> str:
        return f"{self.repository}:{self.path}@{self.branch}"
