"""Reads of what configuration files did: change sets, and the objects a file manages."""

from __future__ import annotations

from django.db.models import QuerySet

from orgconfig.models import ChangeSet, ManagedObject, RepositorySource


def change_set_list() -> QuerySet[ChangeSet]:
    return ChangeSet.objects.order_by("-applied_at", "-id")


def managed_keys() -> dict[str, set[str]]:
    """The keys of the objects a file manages, by section, in one query."""
    keys: dict[str, set[str]] = {}
    for section, key in ManagedObject.objects.values_list("section", "key"):
        keys.setdefault(section, set()).add(key)
    return keys


def repository_source_get() -> RepositorySource | None:
    return RepositorySource.objects.select_related("connection").first()
