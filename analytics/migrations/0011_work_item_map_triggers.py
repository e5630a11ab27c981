"""The triggers that keep analytics.WorkItemMap (analytics.streammap.items), and the rows of the
work items stored so far. Apart from 0009 for the reason 0004 is apart from 0003: Django adds
0009's foreign keys at the end of that migration, outside any tenant context."""

from django.db import migrations

from analytics.streammap.items import INSTALL, UNINSTALL, work_item_maps_rebuild
from vsm.tenancy.migration_fill import fill_each_organization


def fill_existing(apps, schema_editor):
    fill_each_organization(apps, schema_editor, lambda cursor: work_item_maps_rebuild(cursor=cursor))


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0010_work_item_map'),
    ]

    operations = [
        migrations.RunSQL(INSTALL, UNINSTALL),
        migrations.RunPython(fill_existing, migrations.RunPython.noop),
    ]
