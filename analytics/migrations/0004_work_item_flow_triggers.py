"""The triggers that keep analytics.WorkItemFlow (analytics.flow.store), and the rows of the work
items stored so far. Apart from 0003 because Django adds 0003's foreign keys at the end of that
migration, outside any tenant context, where row-level security would hide every work item."""

from django.db import migrations

from analytics.flow.store import INSTALL, UNINSTALL, work_item_flows_rebuild
from vsm.tenancy.context import tenant_context


def fill_existing(apps, schema_editor):
    # The work item tables are under row-level security: each organization's rows, in its context,
    # and the foreign keys checked there too (deferred to the commit, they would see no item).
    organizations = apps.get_model("tenancy", "Organization").objects.values_list("pk", flat=True)
    for org_id in organizations:
        with tenant_context(org_id), schema_editor.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            work_item_flows_rebuild(cursor=cursor)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0003_work_item_flow'),
    ]

    operations = [
        migrations.RunSQL(INSTALL, UNINSTALL),
        migrations.RunPython(fill_existing, migrations.RunPython.noop),
    ]
