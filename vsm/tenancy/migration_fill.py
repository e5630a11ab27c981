"""Data migrations that fill a table from tenant rows run once per organization, in its context."""

from __future__ import annotations

from collections.abc import Callable

from vsm.tenancy.context import tenant_context


def fill_each_organization(apps, schema_editor, fill: Callable) -> None:
    """Call `fill(cursor)` once per organization inside its tenant context: the tenant tables are
    under row-level security, so outside it they show no row, and the foreign keys are checked
    there too (deferred to the commit, they would see no row either)."""
    organizations = apps.get_model("tenancy", "Organization").objects.values_list("pk", flat=True)
    for org_id in organizations:
        with tenant_context(org_id), schema_editor.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            fill(cursor)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
