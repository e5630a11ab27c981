"""`managed_by_file` in every template: `{% if object in managed_by_file %}` says whether a
configuration file manages the object, so its edit page can warn that the next apply overwrites
a change made there. The pages that show an object need not know this app (it comes after them
in the app order); the managed keys are read once, and only by a page that asks."""

from __future__ import annotations

from functools import cached_property

from orgconfig.selectors import managed_keys

# The file's section of each model it manages, and the field that is the object's key there.
SECTIONS = {
    "catalog.valuestream": ("value_streams", "slug"), "catalog.team": ("teams", "slug"),
    "catalog.service": ("services", "slug"), "environments.environmentgroup": ("environment_groups", "slug"),
    "environments.environment": ("environments", "slug"), "releases.releasetemplate": ("release_templates", "name"),
    "releases.freezewindow": ("freeze_windows", "name"),
    "releases.releaseslotwindow": ("release_slot_windows", "name"), "integrations.connection": ("connections", "name"),
}


class ManagedByFile:
    @cached_property
    def _keys(self) -> dict[str, set[str]]:
        return managed_keys()

    def __contains__(self, obj) -> bool:
        meta = getattr(obj, "_meta", None)
        section = SECTIONS.get(meta.label_lower) if meta is not None else None
        if section is None or obj.pk is None:
            return False
        name, key = section
        return getattr(obj, key) in self._keys.get(name, set())


def managed_by_file(request) -> dict:
    return {"managed_by_file": ManagedByFile() if getattr(request, "organization", None) else ()}
