"""The triggers that keep analytics.WorkItemMap (analytics.streammap.items), and the rows of the
work items stored so far. Apart from 0009 for the reason 0004 is apart from 0003: Django adds
0009's foreign keys at the end of that migration, outside any tenant context."""

from django.db import migrations

from analytics.streammap.items import INSTALL, UNINSTALL, work_item_maps_rebuild
from vsm.tenancy.context import tenant_context


def fill_existing(apps, schema_editor):
    organizations = apps.get_model("tenancy", "Organization").objects.values_list("pk", flat=True)
    for org_id in organizations:
        with tenant_context(org_id), schema_editor.connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            work_item_maps_rebuild(cursor=cursor)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0009_work_item_map'),
    ]

    operations = [
        migrations.RunSQL(INSTALL, UNINSTALL),
        migrations.RunPython(fill_existing, migrations.RunPython.noop),
    ]
